import { randomBytes, randomUUID } from "node:crypto";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv-provider.js";
import { eq } from "drizzle-orm";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as connectRoute } from "@/app/api/connections/[provider]/route";
import { tokenOfConnectUrl } from "@/mcp-server/connections/connect-token";
import { sandboxOutbox } from "@/lib/db/schema";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { findDemoUser, type DemoUser } from "@/lib/identity/local-idp/users";
import { builtinTools, getTool } from "@/mcp-server/catalog";
import { recordConnection } from "@/mcp-server/connections/store";
import { META } from "@/mcp-server/describe";
import { allowlistedTools, effectiveRisk } from "@/mcp-server/policy";
import { connectableProviders, type ConnectableProvider } from "@/mcp-server/providers/types";
import {
  approveCall,
  bearer,
  demoPrincipal,
  errorOf,
  mcpClient,
  outboxCount,
  startMcpServer,
  type McpTestServer,
} from "./harness";

/**
 * Every allowlisted tool's happy path, and per-user isolation, driven through the real /api/mcp
 * route over loopback HTTP with the MCP SDK client and local-IdP bearer tokens.
 */

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Args = Record<string, unknown>;

const demo = (name: string): DemoUser => findDemoUser(name)!;
const alice = demo("alice");
const bob = demo("bob");
/** Who may make a call, in order of preference: an ordinary user, then an Approver, then an Admin. */
const CALLER_PREFERENCE = ["alice", "carol", "dana"] as const;

// Enough budget for the whole file; the rate limit has its own tests (rate-limit.test.ts).
const SERVER_ENV = { MCP_RATE_LIMIT_PER_MINUTE: "10000" };

/** One user's MCP client plus helpers that go through the route. */
interface Caller {
  user: DemoUser;
  client: Client;
  /** The tools/list entries this user sees (also primes the SDK's structuredContent validation). */
  tools: Tool[];
  /**
   * tools/call; write and privileged calls carry a fresh idempotency key unless one is given, and
   * are pre-approved for this user (privileged ones by carol) unless `approve` is false — these
   * tests are about the tools; the approval ledger has its own (ledger.test.ts).
   */
  call(
    name: string,
    args: Args,
    idempotencyKey?: string,
    approve?: boolean,
  ): Promise<CallToolResult>;
  /** tools/call that must succeed; returns its structuredContent. */
  ok(name: string, args: Args, idempotencyKey?: string, approve?: boolean): Promise<Obj>;
}

async function caller(s: McpTestServer, user: DemoUser): Promise<Caller> {
  const client = await mcpClient(
    s.mcpUrl,
    bearer(await mintLocalAccessToken({ username: user.username })),
  );
  const { tools } = await client.listTools();
  const who = await demoPrincipal(user.username);
  const call = async (name: string, args: Args, idempotencyKey?: string, approve = true) => {
    const tool = getTool(name);
    const write = tool !== undefined && effectiveRisk(tool) !== "read";
    const key = idempotencyKey ?? (write ? `happy-${randomUUID()}` : undefined);
    if (write && approve) await approveCall(who, name, args);
    return (await client.callTool({
      name,
      arguments: args,
      ...(key ? { _meta: { [META.idempotencyKey]: key } } : {}),
    })) as CallToolResult;
  };
  return {
    user,
    client,
    tools,
    call,
    ok: async (name, args, idempotencyKey, approve) => {
      const result = await call(name, args, idempotencyKey, approve);
      if (result.isError)
        throw new Error(`${name} as ${user.username} failed: ${JSON.stringify(result.content)}`);
      return result.structuredContent as Obj;
    },
  };
}

async function connectAll(
  user: DemoUser,
  providers: readonly ConnectableProvider[] = connectableProviders,
): Promise<void> {
  for (const p of providers) await recordConnection(user.oid, p, user.preferredUsername);
}

/** A word no seeded message contains, for searching what a test wrote. */
const marker = (label: string) => `${label}${randomBytes(4).toString("hex")}`;

let day = 0;
/** A slot at 10:00 UTC some days ahead; every call gets a new day so bookings never overlap. */
function nextSlot(): string {
  day += 1;
  const t = new Date(Date.now() + (10 + day) * 86_400_000);
  t.setUTCHours(10, 0, 0, 0);
  return t.toISOString();
}

const customer = { name: "Priya Shah", email: "priya.shah@example.com", phone: "+447911123456" };
const TEAM = "3f1c7d2a-5b6e-4c8d-9a0b-1c2d3e4f5a6b";
const CHANNEL = "19:a1b2c3d4e5f6@thread.tacv2";

const createTask = (c: Caller, title: string) =>
  c.ok("planner_create_task", { title, dueDateTime: "2030-11-01T17:00:00Z", priority: 3 });
const createEnquiry = (c: Caller) =>
  c.ok("openapi_dealer_create_enquiry", {
    body: {
      vehicleId: "veh_aur02",
      customer,
      message: "Is the Plus available for a test drive on Saturday?",
    },
  });
const createBooking = (c: Caller) =>
  c.ok("openapi_dealer_create_booking", {
    body: {
      vehicleId: "veh_sol01",
      type: "test_drive",
      startsAt: nextSlot(),
      durationMinutes: 60,
      customerName: "Priya Shah",
    },
  });

interface HappyPath {
  /** Valid arguments; whatever the call needs to exist is first created through the route by the same caller. */
  args(c: Caller): Args | Promise<Args>;
  /** What success means for this tool, beyond "no isError and structuredContent matches the output schema". */
  check(out: Obj, c: Caller, args: Args): void | Promise<void>;
}

/**
 * One happy path per catalog tool. A tool added to the catalog without an entry here fails the
 * guard test below.
 */
const HAPPY_PATHS: Record<string, HappyPath> = {
  twilio_send_sms: {
    args: () => ({ to: "+447911123456", body: "Your test drive is confirmed for 10:00." }),
    check: (out, c) => {
      expect(out).toMatchObject({
        status: "queued",
        channel: "sms",
        to: "+447911123456",
        numSegments: 1,
        encoding: "GSM-7",
      });
      expect(out.sid).toMatch(/^SM[0-9a-f]{32}$/);
      return expectOutboxRow(out.sid, c.user, "sms");
    },
  },
  twilio_send_whatsapp: {
    args: () => ({ to: "+353861234567", body: "Your car is ready for collection." }),
    check: (out, c) => {
      expect(out).toMatchObject({ status: "queued", channel: "whatsapp", to: "+353861234567" });
      return expectOutboxRow(out.sid, c.user, "whatsapp");
    },
  },
  tavily_search: {
    args: () => ({ query: "book an electric car test drive", max_results: 3 }),
    check: (out) => {
      expect(out.query).toBe("book an electric car test drive");
      expect(out.results.length).toBeGreaterThan(0);
      expect(out.results.length).toBeLessThanOrEqual(3);
    },
  },
  gmail_send_email: {
    args: () => ({
      to: ["priya.shah@example.com"],
      cc: ["sales@contoso-motors.example"],
      subject: "Your test drive",
      body: "See you Saturday at 10:00.",
    }),
    check: async (out, c) => {
      expect(out).toMatchObject({ status: "sent", labelIds: ["SENT"] });
      await expectOutboxRow(out.id, c.user, "gmail");
      const sent = await c.ok("gmail_search_emails", { query: "in:sent subject:test drive" });
      expect(sent.messages.map((m: Obj) => m.id)).toContain(out.id);
    },
  },
  gmail_create_draft: {
    args: () => ({
      to: ["northwind.fleet@example.com"],
      subject: "Quote for Northwind",
      body: "Draft: 12 vehicles...",
    }),
    check: async (out, c) => {
      expect(out.id).toBe(`r${out.message.id}`);
      expect(out.message.labelIds).toEqual(["DRAFT"]);
      const drafts = await c.ok("gmail_search_emails", { query: "Northwind in:drafts" });
      expect(drafts.messages.map((m: Obj) => m.id)).toContain(out.message.id);
    },
  },
  gmail_list_messages: {
    args: () => ({ maxResults: 5, labelIds: ["INBOX"] }),
    check: (out) => {
      expect(out.messages).toHaveLength(5);
      expect(out.nextPageToken).toBeTruthy();
      for (const m of out.messages) expect(m.labelIds).toContain("INBOX");
    },
  },
  gmail_search_emails: {
    args: () => ({ query: "from:priya", includeBody: true }),
    check: (out) => {
      expect(out.messages.map((m: Obj) => m.subject)).toEqual([
        "Test drive on Saturday - Aurora EV",
      ]);
      expect(out.messages[0].body).toEqual(expect.any(String));
    },
  },
  planner_list_tasks: {
    args: () => ({ planId: "sales-pipeline" }),
    check: (out) => {
      expect(out.tasks.length).toBeGreaterThan(0);
      expect(out.tasks.every((t: Obj) => t.planId === "sales-pipeline")).toBe(true);
    },
  },
  planner_get_task: {
    args: async (c) => ({ taskId: (await c.ok("planner_list_tasks", { top: 1 })).tasks[0].id }),
    check: (out, _c, args) => expect(out.id).toBe(args.taskId),
  },
  planner_create_task: {
    args: () => ({
      title: "Order winter tyres for demo fleet",
      dueDateTime: "2030-11-01T17:00:00Z",
      priority: 3,
      notes: "Ask for 12 sets.",
    }),
    check: async (out, c) => {
      expect(out).toMatchObject({
        planId: "personal",
        title: "Order winter tyres for demo fleet",
        status: "notStarted",
        priority: 3,
        dueDateTime: "2030-11-01T17:00:00.000Z",
      });
      expect(await c.ok("planner_get_task", { taskId: out.id })).toEqual(out);
    },
  },
  planner_update_task: {
    args: async (c) => {
      const task = await createTask(c, "Call back Northwind about fleet renewal");
      return {
        taskId: task.id,
        etag: task.etag,
        percentComplete: 50,
        title: "Call back Northwind (fleet renewal)",
      };
    },
    check: async (out, c, args) => {
      expect(out).toMatchObject({
        id: args.taskId,
        percentComplete: 50,
        status: "inProgress",
        title: "Call back Northwind (fleet renewal)",
        priority: 3,
      });
      expect(out.etag).not.toBe(args.etag);
      expect(await c.ok("planner_get_task", { taskId: args.taskId })).toEqual(out);
    },
  },
  planner_delete_task: {
    args: async (c) => {
      const task = await createTask(c, "Throwaway reminder");
      return { taskId: task.id, etag: task.etag };
    },
    check: async (out, c, args) => {
      expect(out).toEqual({ id: args.taskId, deleted: true, title: "Throwaway reminder" });
      expect(errorOf(await c.call("planner_get_task", { taskId: args.taskId })).code).toBe(
        "not_found",
      );
    },
  },
  outlook_send_mail: {
    args: () => ({
      to: ["tom.becker@example.org"],
      subject: "Your HP quote",
      body: "<p>Attached.</p>",
      bodyType: "html",
      importance: "high",
    }),
    check: (out, c) => {
      expect(out.status).toBe("accepted");
      return expectOutboxRow(out.internetMessageId, c.user, "outlook");
    },
  },
  teams_post_message: {
    args: () => ({
      teamId: TEAM,
      channelId: CHANNEL,
      content: "Northwind fleet deal closed",
      subject: "Win",
    }),
    check: (out) => {
      expect(out.id).toMatch(/^\d{13,}$/);
      expect(out.webUrl).toBe(
        `https://teams.microsoft.com/l/message/${encodeURIComponent(CHANNEL)}/${out.id}?groupId=${TEAM}`,
      );
    },
  },
  openapi_dealer_list_vehicles: {
    args: () => ({ fuel: "electric", maxPriceGbp: 39000 }),
    check: (out) =>
      expect(out.items.map((v: Obj) => v.id).sort()).toEqual(["veh_aur01", "veh_aur03"]),
  },
  openapi_dealer_get_vehicle: {
    args: async (c) => ({
      vehicleId: (await c.ok("openapi_dealer_list_vehicles", { make: "Kestrel" })).items[0].id,
    }),
    check: (out, _c, args) => expect(out).toMatchObject({ id: args.vehicleId, make: "Kestrel" }),
  },
  openapi_dealer_list_enquiries: {
    args: async (c) => {
      await createEnquiry(c);
      return { status: "new" };
    },
    check: (out) => {
      expect(out.items.length).toBeGreaterThan(0);
      expect(out.items.every((e: Obj) => e.status === "new")).toBe(true);
    },
  },
  openapi_dealer_create_enquiry: {
    args: () => ({
      body: { vehicleId: "veh_aur02", customer, message: "Could I part-exchange my current car?" },
    }),
    check: (out) => {
      expect(out).toMatchObject({
        vehicleId: "veh_aur02",
        dealerId: "dlr_oxford",
        status: "new",
        customer,
      });
      expect(out.id).toMatch(/^enq_[0-9a-f]{24}$/);
    },
  },
  openapi_dealer_get_enquiry: {
    args: async (c) => ({ enquiryId: (await createEnquiry(c)).id }),
    check: (out, _c, args) =>
      expect(out).toMatchObject({ id: args.enquiryId, status: "new", customer }),
  },
  openapi_dealer_update_enquiry_status: {
    args: async (c) => ({
      enquiryId: (await createEnquiry(c)).id,
      body: { status: "contacted", note: "Called back, booked Saturday." },
    }),
    check: async (out, c, args) => {
      expect(out).toMatchObject({
        id: args.enquiryId,
        status: "contacted",
        statusNote: "Called back, booked Saturday.",
      });
      expect((await c.ok("openapi_dealer_get_enquiry", { enquiryId: args.enquiryId })).status).toBe(
        "contacted",
      );
    },
  },
  openapi_dealer_list_bookings: {
    args: async (c) => {
      await createBooking(c);
      return { status: "confirmed" };
    },
    check: (out) => {
      expect(out.items.length).toBeGreaterThan(0);
      expect(out.items.every((b: Obj) => b.status === "confirmed")).toBe(true);
    },
  },
  openapi_dealer_create_booking: {
    args: async (c) => {
      const enquiry = await createEnquiry(c);
      return {
        body: {
          vehicleId: "veh_aur02",
          enquiryId: enquiry.id,
          type: "test_drive",
          startsAt: nextSlot(),
          durationMinutes: 45,
          customerName: "Priya Shah",
        },
      };
    },
    check: (out, _c, args) => {
      expect(out).toMatchObject({
        vehicleId: "veh_aur02",
        status: "confirmed",
        durationMinutes: 45,
        type: "test_drive",
        enquiryId: (args.body as Obj).enquiryId,
      });
      expect(out.id).toMatch(/^bkg_[0-9a-f]{24}$/);
    },
  },
  openapi_dealer_cancel_booking: {
    args: async (c) => ({ bookingId: (await createBooking(c)).id }),
    check: async (out, c, args) => {
      expect(out).toMatchObject({ id: args.bookingId, status: "cancelled" });
      const cancelled = await c.ok("openapi_dealer_list_bookings", { status: "cancelled" });
      expect(cancelled.items.map((b: Obj) => b.id)).toContain(args.bookingId);
    },
  },
  openapi_dealer_create_payment: {
    args: async (c) => ({
      body: {
        bookingId: (await createBooking(c)).id,
        amount: { amountMinor: 9900, currency: "GBP" },
        method: "card",
        reference: "DEPOSIT SOLACE",
      },
    }),
    check: (out, _c, args) => {
      expect(out).toMatchObject({
        bookingId: (args.body as Obj).bookingId,
        amount: { amountMinor: 9900, currency: "GBP" },
        status: "captured",
      });
      expect(out.id).toMatch(/^pay_[0-9a-f]{24}$/);
    },
  },
  openapi_dealer_get_payment: {
    args: async (c) => {
      const booking = await createBooking(c);
      const payment = await c.ok("openapi_dealer_create_payment", {
        body: {
          bookingId: booking.id,
          amount: { amountMinor: 50_000, currency: "EUR" },
          method: "bank_transfer",
          reference: "BALANCE",
        },
      });
      return { paymentId: payment.id };
    },
    check: (out, _c, args) =>
      expect(out).toMatchObject({
        id: args.paymentId,
        amount: { amountMinor: 50_000, currency: "EUR" },
      }),
  },
  provider_connection_status: {
    args: () => ({}),
    check: (out, c) => {
      expect(out.providers.map((p: Obj) => p.provider)).toEqual([...connectableProviders]);
      for (const p of out.providers)
        expect(p).toMatchObject({ connected: true, accountLabel: c.user.preferredUsername });
    },
  },
};

let server: McpTestServer | undefined;

async function expectOutboxRow(id: string, user: DemoUser, channel: string): Promise<void> {
  const rows = await server!.db.db.select().from(sandboxOutbox).where(eq(sandboxOutbox.id, id));
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ userId: user.oid, channel });
}

const ajv = new AjvJsonSchemaValidator();

describe("connecting a provider, over the route", () => {
  let s: McpTestServer;
  beforeAll(async () => {
    s = server = await startMcpServer({ env: SERVER_ENV });
  });
  afterAll(async () => {
    await s?.close();
    server = undefined;
  });

  it("answers auth_required for gmail, graph and twilio until the user connects, then the same calls succeed", async () => {
    const a = await caller(s, alice);
    const before = await a.ok("provider_connection_status", {});
    for (const p of before.providers) {
      expect(p).toMatchObject({
        connected: false,
        connectUrl: expect.stringMatching(new RegExp(`^${s.url}/connect/${p.provider}#token=`)),
      });
    }

    const smsKey = `sms-${randomUUID()}`;
    const calls: { provider: ConnectableProvider; name: string; args: Args; key?: string }[] = [
      { provider: "gmail", name: "gmail_list_messages", args: { maxResults: 3 } },
      { provider: "graph", name: "planner_list_tasks", args: {} },
      {
        provider: "twilio",
        name: "twilio_send_sms",
        args: { to: "+447911123456", body: "Your car is ready." },
        key: smsKey,
      },
    ];
    const connectUrls = new Map<string, string>();
    for (const c of calls) {
      const err = errorOf(await a.call(c.name, c.args, c.key));
      expect(err, c.name).toMatchObject({
        code: "auth_required",
        retriable: true,
        provider: c.provider,
      });
      expect(err.connect_url).toMatch(new RegExp(`^${s.url}/connect/${c.provider}#token=`));
      connectUrls.set(c.provider, err.connect_url!);
    }
    expect(await outboxCount(s.db, alice.oid)).toBe(0);

    // Twilio through the connect flow: the signed token of the connect link, POSTed as the consent page does.
    const token = tokenOfConnectUrl(connectUrls.get("twilio")!)!;
    expect(decodeJwt(token)).toMatchObject({ sub: alice.oid, provider: "twilio" });
    const res = await connectRoute(
      new Request(`${s.url}/api/connections/twilio`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token }),
      }),
      { params: Promise.resolve({ provider: "twilio" }) },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ provider: "twilio", connected: true });
    // Gmail and Microsoft 365 with the project's connection store.
    await connectAll(alice, ["gmail", "graph"]);

    const after = await a.ok("provider_connection_status", {});
    for (const p of after.providers)
      expect(p, p.provider).toMatchObject({ connected: true, accountLabel: expect.any(String) });
    expect(after.providers.some((p: Obj) => "connectUrl" in p)).toBe(false);

    // The refused SMS freed its key and gave its approval back (it sent nothing): same key, same
    // approval, now sent.
    for (const c of calls) await a.ok(c.name, c.args, c.key, false);
    expect(await outboxCount(s.db, alice.oid)).toBe(1);
    await a.client.close();
  });
});

describe("every allowlisted tool's happy path, over the route", () => {
  let s: McpTestServer;
  const callers = new Map<string, Caller>();

  beforeAll(async () => {
    s = server = await startMcpServer({ env: SERVER_ENV });
    for (const name of CALLER_PREFERENCE) {
      await connectAll(demo(name));
      callers.set(name, await caller(s, demo(name)));
    }
  });
  afterAll(async () => {
    for (const c of callers.values()) await c.client.close();
    await s?.close();
    server = undefined;
  });

  /** The first user (alice, then carol the Approver, then dana the Admin) whose tools/list shows the tool. */
  function callerFor(name: string): { caller: Caller; listed: Tool } {
    for (const username of CALLER_PREFERENCE) {
      const c = callers.get(username)!;
      const listed = c.tools.find((t) => t.name === name);
      if (listed) return { caller: c, listed };
    }
    throw new Error(`No demo user may call ${name} under the policy`);
  }

  it("has a happy path for every catalog tool, and none for tools that do not exist", () => {
    const missing = builtinTools.map((t) => t.name).filter((n) => !Object.hasOwn(HAPPY_PATHS, n));
    expect(missing, "catalog tools without an entry in HAPPY_PATHS").toEqual([]);
    const stale = Object.keys(HAPPY_PATHS).filter((n) => !getTool(n));
    expect(stale, "HAPPY_PATHS entries for tools not in the catalog").toEqual([]);
    expect(allowlistedTools().length).toBeGreaterThan(0);
  });

  it.each(allowlistedTools().map((t) => t.name))(
    "%s succeeds with valid arguments",
    async (name) => {
      const happy = HAPPY_PATHS[name];
      expect(happy, `no happy path for ${name}`).toBeDefined();
      const { caller: c, listed } = callerFor(name);
      const args = await happy!.args(c);
      const result = await c.call(name, args);
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      expect(result._meta?.["io.foundry-agent-chat/replayed"]).toBeUndefined();

      const tool = getTool(name)!;
      const structured = result.structuredContent as Obj | undefined;
      if (tool.outputSchema) {
        expect(structured).toBeDefined();
        expect(listed.outputSchema).toBeDefined();
        // Against the JSON Schema tools/list advertises, and against the tool's own zod schema.
        const verdict = ajv.getValidator(listed.outputSchema!)(structured);
        expect(verdict.valid, verdict.valid ? "" : verdict.errorMessage).toBe(true);
        expect(tool.outputSchema.safeParse(structured).success).toBe(true);
        const [text] = result.content;
        expect(text?.type).toBe("text");
        expect(JSON.parse((text as { text: string }).text)).toEqual(structured);
      }
      await happy!.check(structured ?? {}, c, args);
    },
  );
});

describe("isolation between users, over the route", () => {
  let s: McpTestServer;
  let a: Caller;
  let b: Caller;

  beforeAll(async () => {
    s = server = await startMcpServer({ env: SERVER_ENV });
    await connectAll(alice);
    // Bob connects his own Gmail and Microsoft 365, but never Twilio.
    await connectAll(bob, ["gmail", "graph"]);
    a = await caller(s, alice);
    b = await caller(s, bob);
  });
  afterAll(async () => {
    await a?.client.close();
    await b?.client.close();
    await s?.close();
    server = undefined;
  });

  it("alice's mailbox, sent mail and drafts never show up in bob's list or search", async () => {
    const word = marker("alicemail");
    const sent = await a.ok("gmail_send_email", {
      to: ["priya.shah@example.com"],
      subject: `Quote ${word}`,
      body: "Private quote.",
    });
    const draft = await a.ok("gmail_create_draft", {
      to: ["tom.becker@example.org"],
      subject: `Draft ${word}`,
      body: "Private draft.",
    });
    const aliceIds = new Set(
      (await a.ok("gmail_list_messages", { maxResults: 100 })).messages.map((m: Obj) => m.id),
    );
    expect(aliceIds.has(sent.id)).toBe(true);
    expect(
      (await a.ok("gmail_search_emails", { query: `${word} in:anywhere` })).messages,
    ).toHaveLength(2);

    const bobPage = await b.ok("gmail_list_messages", { maxResults: 100 });
    expect(bobPage.messages.length).toBeGreaterThan(0); // bob has his own seeded mailbox
    expect(bobPage.messages.filter((m: Obj) => aliceIds.has(m.id))).toEqual([]);
    expect(JSON.stringify(bobPage)).not.toContain(alice.preferredUsername);
    for (const query of [
      `${word} in:anywhere`,
      `subject:${word}`,
      "in:sent",
      "in:drafts",
      "from:priya in:anywhere",
    ]) {
      const found = (await b.ok("gmail_search_emails", { query, maxResults: 100 }))
        .messages as Obj[];
      expect(
        found.filter((m) => aliceIds.has(m.id) || m.id === draft.message.id),
        query,
      ).toEqual([]);
    }
    // Replying in alice's thread is not_found for bob, and sends nothing.
    const err = errorOf(
      await b.call("gmail_send_email", {
        to: ["priya.shah@example.com"],
        subject: "Re: Quote",
        body: "x",
        threadId: sent.threadId,
      }),
    );
    expect(err.code).toBe("not_found");
    expect(await outboxCount(s.db, bob.oid)).toBe(0);
  });

  it("alice's sent SMS, WhatsApp and e-mail stay hers: bob cannot use her Twilio, find her messages or replay her idempotency key", async () => {
    const word = marker("aliceout");
    const sms = await a.ok("twilio_send_sms", {
      to: "+447911123456",
      body: `Your code is ${word}`,
    });
    const wa = await a.ok("twilio_send_whatsapp", {
      to: "+353861234567",
      body: `Collection ref ${word}`,
    });
    const key = `shared-${randomUUID()}`;
    const mailArgs = {
      to: ["priya.shah@example.com"],
      subject: `Booking ${word}`,
      body: "Confirmed.",
    };
    const mail = await a.ok("gmail_send_email", mailArgs, key);

    // Alice's Twilio connection does not count for bob.
    const noTwilio = errorOf(await b.call("twilio_send_sms", { to: "+447911123456", body: "hi" }));
    expect(noTwilio).toMatchObject({ code: "auth_required", provider: "twilio" });
    expect(decodeJwt(tokenOfConnectUrl(noTwilio.connect_url!)!).sub).toBe(bob.oid);

    // Nothing of alice's outbox is searchable by bob.
    expect((await b.ok("gmail_search_emails", { query: `${word} in:anywhere` })).messages).toEqual(
      [],
    );
    expect((await b.ok("gmail_search_emails", { query: "in:sent" })).messages).toEqual([]);

    // Same idempotency key, same arguments: keys are per caller, so bob gets his own send, not alice's result.
    const bobSend = await b.call("gmail_send_email", mailArgs, key);
    expect(bobSend.isError).toBeFalsy();
    expect(bobSend._meta?.["io.foundry-agent-chat/replayed"]).toBeUndefined();
    const bobMail = bobSend.structuredContent as Obj;
    expect(bobMail.id).not.toBe(mail.id);
    expect(
      (await b.ok("gmail_search_emails", { query: "in:sent" })).messages.map((m: Obj) => m.id),
    ).toEqual([bobMail.id]);
    // ...and alice's key still replays her own result, untouched by bob's call.
    const aliceReplay = await a.call("gmail_send_email", mailArgs, key);
    expect(aliceReplay._meta?.["io.foundry-agent-chat/replayed"]).toBe(true);
    expect(aliceReplay.structuredContent).toEqual(mail);

    for (const [id, channel] of [
      [sms.sid, "sms"],
      [wa.sid, "whatsapp"],
      [mail.id, "gmail"],
    ] as const)
      await expectOutboxRow(id, alice, channel);
    await expectOutboxRow(bobMail.id, bob, "gmail");
    expect(await outboxCount(s.db, bob.oid)).toBe(1);
    // Alice's own view is unchanged: her sent mail is still only hers.
    expect(
      (await a.ok("gmail_search_emails", { query: `${word} in:sent` })).messages.map(
        (m: Obj) => m.id,
      ),
    ).toEqual([mail.id]);
  });

  it("bob cannot list, get, update or delete alice's planner task (not_found), and it stays unchanged", async () => {
    const title = `Alice's private task ${marker("task")}`;
    const task = await a.ok("planner_create_task", { title, notes: "Only for alice." });

    const bobTasks = (await b.ok("planner_list_tasks", { top: 100 })).tasks as Obj[];
    expect(bobTasks.length).toBeGreaterThan(0); // his own seeded tasks
    expect(bobTasks.map((t) => t.id)).not.toContain(task.id);
    expect(bobTasks.map((t) => t.title)).not.toContain(title);

    for (const [name, args] of [
      ["planner_get_task", { taskId: task.id }],
      [
        "planner_update_task",
        { taskId: task.id, etag: task.etag, title: "hijacked", percentComplete: 100 },
      ],
      ["planner_update_task", { taskId: task.id, notes: "hijacked" }],
      ["planner_delete_task", { taskId: task.id, etag: task.etag }],
      ["planner_delete_task", { taskId: task.id }],
    ] as const) {
      const err = errorOf(await b.call(name, args));
      expect(err.code, name).toBe("not_found");
      expect(err.message).not.toContain(title);
    }

    expect(await a.ok("planner_get_task", { taskId: task.id })).toEqual(task);
    expect(
      ((await a.ok("planner_list_tasks", { top: 100 })).tasks as Obj[]).map((t) => t.id),
    ).toContain(task.id);
  });

  it("provider_connection_status for bob shows only bob's connections", async () => {
    const mine = await a.ok("provider_connection_status", {});
    expect(
      mine.providers.every((p: Obj) => p.connected && p.accountLabel === alice.preferredUsername),
    ).toBe(true);

    const his = await b.ok("provider_connection_status", {});
    const byProvider = new Map((his.providers as Obj[]).map((p) => [p.provider, p]));
    expect(byProvider.get("gmail")).toMatchObject({
      connected: true,
      accountLabel: bob.preferredUsername,
    });
    expect(byProvider.get("graph")).toMatchObject({
      connected: true,
      accountLabel: bob.preferredUsername,
    });
    const twilio = byProvider.get("twilio")!;
    expect(twilio).toMatchObject({ connected: false });
    expect(twilio.accountLabel).toBeUndefined();
    expect(decodeJwt(tokenOfConnectUrl(twilio.connectUrl)!)).toMatchObject({
      sub: bob.oid,
      provider: "twilio",
    });
    expect((await b.ok("provider_connection_status", { provider: "twilio" })).providers).toEqual([
      expect.objectContaining({ provider: "twilio", connected: false }),
    ]);

    const text = JSON.stringify(his);
    expect(text).not.toContain(alice.preferredUsername);
    expect(text).not.toContain(alice.oid);
  });

  it("bob cannot see or change alice's dealer enquiry", async () => {
    const enquiry = await a.ok("openapi_dealer_create_enquiry", {
      body: { vehicleId: "veh_vel01", customer, message: "Private enquiry" },
    });
    expect((await b.ok("openapi_dealer_list_enquiries", {})).items).toEqual([]);
    for (const [name, args] of [
      ["openapi_dealer_get_enquiry", { enquiryId: enquiry.id }],
      ["openapi_dealer_update_enquiry_status", { enquiryId: enquiry.id, body: { status: "lost" } }],
    ] as const) {
      expect(errorOf(await b.call(name, args)).code, name).toBe("not_found");
    }
    expect(await a.ok("openapi_dealer_get_enquiry", { enquiryId: enquiry.id })).toEqual(enquiry);
  });
});

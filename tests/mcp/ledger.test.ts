import { randomBytes } from "node:crypto";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  ErrorCode,
  UrlElicitationRequiredError,
  type CallToolResult,
} from "@modelcontextprotocol/sdk/types.js";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideApproval, getApproval, listApprovals } from "@/lib/approvals/store";
import { argumentHash, verifyAuditChain } from "@/lib/audit";
import { approvals, users } from "@/lib/db/schema";
import { AppError } from "@/lib/errors";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { findDemoUser } from "@/lib/identity/local-idp/users";
import type { Principal } from "@/lib/identity/principal";
import { recordConnection } from "@/mcp-server/connections/store";
import { META } from "@/mcp-server/describe";
import { createApiKey } from "@/mcp-server/keys/store";
import { CLIENT_CAPABILITIES_META } from "@/mcp-server/ledger";
import { APP_ROLES } from "@/mcp-server/policy";
import {
  approveCall,
  auditRows,
  bearer,
  demoPrincipal,
  errorOf,
  mcpClient,
  outboxCount,
  startMcpServer,
  type McpTestServer,
} from "./server/harness";

/**
 * The approval ledger at /api/mcp (mcp-server/ledger.ts, docs/MCP.md "Approval ledger"), over
 * HTTP with the MCP SDK client: a write or privileged call runs only against a matching approved,
 * unexpired, unconsumed approval, consumed once.
 */

const alice = findDemoUser("alice")!;
const bob = findDemoUser("bob")!;
const SERVER_ENV = { MCP_RATE_LIMIT_PER_MINUTE: "10000" };

type Args = Record<string, unknown>;

/** A fresh SMS (its own arguments, so approvals of other tests never match it). */
const smsArgs = (label = "ledger"): Args => ({
  to: "+447911123456",
  body: `${label} ${randomBytes(4).toString("hex")}`,
});

async function userClient(s: McpTestServer, username: string): Promise<Client> {
  return mcpClient(s.mcpUrl, bearer(await mintLocalAccessToken({ username })));
}

function call(
  c: Client,
  name: string,
  args: Args,
  meta: Record<string, unknown> = {},
): Promise<CallToolResult> {
  return c.callTool({ name, arguments: args, _meta: meta }) as Promise<CallToolResult>;
}

/** The HTTP status of the AppError a decision throws (200 when it succeeds). */
async function decisionStatus(decision: Promise<unknown>): Promise<number> {
  try {
    await decision;
    return 200;
  } catch (err) {
    if (err instanceof AppError) return err.status;
    throw err;
  }
}

const approve = (id: string, principal: Principal, approveIt = true) =>
  decideApproval({ id, principal, approve: approveIt, correlationId: "d".repeat(32) });

describe("the approval ledger at /api/mcp (pglite)", () => {
  let s: McpTestServer;
  let a: Client;
  let aliceP: Principal;
  let bobP: Principal;
  let carolP: Principal;

  beforeAll(async () => {
    s = await startMcpServer({ env: SERVER_ENV });
    for (const u of [alice, bob]) {
      await recordConnection(u.oid, "twilio", u.preferredUsername);
      await recordConnection(u.oid, "graph", u.preferredUsername);
    }
    a = await userClient(s, "alice");
    aliceP = await demoPrincipal("alice");
    bobP = await demoPrincipal("bob");
    carolP = await demoPrincipal("carol");
  });
  afterAll(async () => {
    await a?.close();
    await s?.close();
  });

  it("refuses a direct write without approval with approval_required, and files one pending request for alice", async () => {
    const args = smsArgs();
    const before = await outboxCount(s.db, alice.oid);
    const err = errorOf(await call(a, "twilio_send_sms", args));
    expect(err).toMatchObject({ code: "approval_required", retriable: true });
    expect(err.correlation_id).toMatch(/^[0-9a-f]{32}$/);
    expect(err.approval_id).toMatch(/^appr_/);
    expect(err.approval_url).toBe(`${s.url}/approvals/${err.approval_id}`);
    expect(err.message).toMatch(/approval/);
    expect(await outboxCount(s.db, alice.oid)).toBe(before);

    const mine = await listApprovals({
      principal: aliceP,
      scope: "mine",
      status: "pending",
      limit: 50,
    });
    const filed = mine.find((r) => r.id === err.approval_id);
    expect(filed).toMatchObject({
      status: "pending",
      source: "mcp",
      tool: "twilio_send_sms",
      serverLabel: "foundry_agent_chat",
      argsHash: argumentHash(args),
      risk: "write",
      requiredRole: null,
      requesterId: alice.oid,
      requesterKind: "user",
      context: "Direct call to twilio_send_sms at /api/mcp",
      consumedAt: null,
    });
    expect(JSON.parse(filed!.arguments)).toEqual(args);

    // A retry before anyone decided reuses the same request rather than filing another.
    expect(errorOf(await call(a, "twilio_send_sms", args)).approval_id).toBe(err.approval_id);
    const again = await listApprovals({
      principal: aliceP,
      scope: "mine",
      status: "pending",
      limit: 50,
    });
    expect(again.filter((r) => r.argsHash === argumentHash(args))).toHaveLength(1);
    expect((await auditRows(s.db)).at(-1)).toMatchObject({
      tool: "twilio_send_sms",
      outcome: "approval_required",
      userId: alice.oid,
      argsHash: argumentHash(args),
    });
  });

  it("runs the approved call once; the same approval cannot serve a second call", async () => {
    const args = smsArgs();
    const pending = errorOf(await call(a, "twilio_send_sms", args));
    await approve(pending.approval_id!, aliceP);
    const before = await outboxCount(s.db, alice.oid);

    const ran = await call(a, "twilio_send_sms", args);
    expect(ran.isError).toBeFalsy();
    expect(await outboxCount(s.db, alice.oid)).toBe(before + 1);
    const used = await getApproval(pending.approval_id!);
    expect(used?.consumedAt).toBeInstanceOf(Date);
    expect(used?.consumedCorrelationId).toMatch(/^[0-9a-f]{32}$/);

    const second = errorOf(await call(a, "twilio_send_sms", args));
    expect(second.code).toBe("approval_required");
    expect(second.approval_id).not.toBe(pending.approval_id); // a new request
    expect(await outboxCount(s.db, alice.oid)).toBe(before + 1);
  });

  it("refuses changed arguments: the approval covers exactly what was approved", async () => {
    const args = smsArgs();
    const [approved] = await approveCall(aliceP, "twilio_send_sms", args);
    const before = await outboxCount(s.db, alice.oid);
    for (const changed of [
      { ...args, body: `${String(args.body)}!` },
      { ...args, to: "+447911123457" },
      { ...args, from: "+447911000000" },
    ]) {
      expect(errorOf(await call(a, "twilio_send_sms", changed)).code).toBe("approval_required");
    }
    // Another tool with the same arguments does not match either.
    expect(errorOf(await call(a, "twilio_send_whatsapp", args)).code).toBe("approval_required");
    expect(await outboxCount(s.db, alice.oid)).toBe(before);
    expect((await getApproval(approved!.id))?.consumedAt).toBeNull();
    // Key order does not matter (canonical JSON): the approved call itself still runs.
    const reordered = { body: args.body, to: args.to };
    expect((await call(a, "twilio_send_sms", reordered)).isError).toBeFalsy();
    expect((await getApproval(approved!.id))?.consumedAt).toBeInstanceOf(Date);
  });

  it("refuses alice's call against bob's approval of the same call", async () => {
    const args = smsArgs();
    const [bobs] = await approveCall(bobP, "twilio_send_sms", args);
    const before = await outboxCount(s.db, alice.oid);
    expect(errorOf(await call(a, "twilio_send_sms", args)).code).toBe("approval_required");
    expect(await outboxCount(s.db, alice.oid)).toBe(before);
    expect((await getApproval(bobs!.id))?.consumedAt).toBeNull();
    // Bob's own call uses it.
    const b = await userClient(s, "bob");
    expect((await call(b, "twilio_send_sms", args)).isError).toBeFalsy();
    await b.close();
  });

  it("privileged: the requester's own decision is 403, an Approver's runs the call, a second decision is 409", async () => {
    const listed = await call(a, "planner_list_tasks", { top: 1 }); // read: no approval needed
    expect(listed.isError).toBeFalsy();
    const taskId = (listed.structuredContent as { tasks: { id: string }[] }).tasks[0]!.id;
    const args = { taskId };

    const pending = errorOf(await call(a, "planner_delete_task", args));
    expect(pending).toMatchObject({ code: "approval_required", retriable: true });
    expect(pending.message).toMatch(/Approver/);
    const row = await getApproval(pending.approval_id!);
    expect(row).toMatchObject({ risk: "privileged", requiredRole: "Approver" });
    // Carol's inbox shows it.
    const inbox = await listApprovals({
      principal: carolP,
      scope: "inbox",
      status: "pending",
      limit: 50,
    });
    expect(inbox.map((r) => r.id)).toContain(pending.approval_id);

    expect(await decisionStatus(approve(pending.approval_id!, aliceP))).toBe(403);
    expect(errorOf(await call(a, "planner_delete_task", args)).code).toBe("approval_required");
    expect(await decisionStatus(approve(pending.approval_id!, carolP))).toBe(200);
    expect(await decisionStatus(approve(pending.approval_id!, carolP))).toBe(409);
    expect(await decisionStatus(approve(pending.approval_id!, carolP, false))).toBe(409);

    const ran = await call(a, "planner_delete_task", args);
    expect(ran.isError, JSON.stringify(ran.content)).toBeFalsy();
    expect(ran.structuredContent).toMatchObject({ id: taskId, deleted: true });
    // Carol's approval was of alice's call: carol herself cannot use it.
    const c = await userClient(s, "carol");
    expect(errorOf(await call(c, "planner_delete_task", args)).code).toBe("approval_required");
    await c.close();
  });

  it("refuses a rejected approval", async () => {
    const args = smsArgs();
    const pending = errorOf(await call(a, "twilio_send_sms", args));
    await approve(pending.approval_id!, aliceP, false);
    const err = errorOf(await call(a, "twilio_send_sms", args));
    expect(err.code).toBe("approval_required");
    expect(err.approval_id).not.toBe(pending.approval_id);
  });

  it("refuses an approval whose use window has passed, and files a new request after a pending one expired", async () => {
    const args = smsArgs();
    const [approved] = await approveCall(aliceP, "twilio_send_sms", args);
    await s.db.db
      .update(approvals)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(approvals.id, approved!.id));
    const before = await outboxCount(s.db, alice.oid);
    const err = errorOf(await call(a, "twilio_send_sms", args));
    expect(err.code).toBe("approval_required");
    expect(await outboxCount(s.db, alice.oid)).toBe(before);
    expect((await getApproval(approved!.id))?.consumedAt).toBeNull();

    // The pending request it filed expires undecided: the next call files a fresh one.
    await s.db.db
      .update(approvals)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(approvals.id, err.approval_id!));
    const next = errorOf(await call(a, "twilio_send_sms", args));
    expect(next.approval_id).toBeDefined();
    expect(next.approval_id).not.toBe(err.approval_id);
  });

  it("gives the approval back when the tool provably did nothing, so the same call runs after connecting", async () => {
    const dana = findDemoUser("dana")!;
    const d = await userClient(s, "dana");
    const args = smsArgs();
    const [approved] = await approveCall("dana", "twilio_send_sms", args);
    expect(errorOf(await call(d, "twilio_send_sms", args))).toMatchObject({
      code: "auth_required",
      provider: "twilio",
    });
    expect((await getApproval(approved!.id))?.consumedAt).toBeNull();
    await recordConnection(dana.oid, "twilio", dana.preferredUsername);
    expect((await call(d, "twilio_send_sms", args)).isError).toBeFalsy();
    expect((await getApproval(approved!.id))?.consumedAt).toBeInstanceOf(Date);
    expect(await outboxCount(s.db, dana.oid)).toBe(1);
    await d.close();
  });

  describe("with idempotency keys", () => {
    it("releases the key when there is no approval; after approval the same key runs, then replays without a new approval", async () => {
      const args = smsArgs();
      const key = `ledger-${randomBytes(4).toString("hex")}`;
      const meta = { [META.idempotencyKey]: key };
      const before = await outboxCount(s.db, alice.oid);

      const refused = errorOf(await call(a, "twilio_send_sms", args, meta));
      expect(refused.code).toBe("approval_required");
      await approve(refused.approval_id!, aliceP);
      const first = await call(a, "twilio_send_sms", args, meta);
      expect(first.isError).toBeFalsy();
      // The retry replays the stored result; it is not refused for want of a (consumed) approval.
      const replay = await call(a, "twilio_send_sms", args, meta);
      expect(replay._meta?.["io.foundry-agent-chat/replayed"]).toBe(true);
      expect(replay.structuredContent).toEqual(first.structuredContent);
      expect(await outboxCount(s.db, alice.oid)).toBe(before + 1);

      const rows = (await auditRows(s.db)).filter((r) => r.idempotencyKey === key);
      expect(rows.map((r) => r.outcome)).toEqual(["approval_required", "ok", "replayed"]);
    });

    it("a key clash is still a conflict, before any approval is consumed", async () => {
      const args = smsArgs();
      const key = `ledger-${randomBytes(4).toString("hex")}`;
      await approveCall(aliceP, "twilio_send_sms", args);
      const first = await call(a, "twilio_send_sms", args, { [META.idempotencyKey]: key });
      expect(first.isError).toBeFalsy();
      const other = smsArgs();
      const [spare] = await approveCall(aliceP, "twilio_send_sms", other);
      const clash = errorOf(
        await call(a, "twilio_send_sms", other, { [META.idempotencyKey]: key }),
      );
      expect(clash).toMatchObject({ code: "conflict", retriable: false });
      expect((await getApproval(spare!.id))?.consumedAt).toBeNull();
    });
  });

  describe("URL elicitation (MCP 2025-11-25)", () => {
    it("answers a client that declares it with the -32042 error carrying the approval URL", async () => {
      const args = smsArgs();
      const audited = (await auditRows(s.db)).length;
      const err = await call(a, "twilio_send_sms", args, {
        [CLIENT_CAPABILITIES_META]: { elicitation: { url: {} } },
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UrlElicitationRequiredError);
      const e = err as UrlElicitationRequiredError;
      expect(e.code).toBe(ErrorCode.UrlElicitationRequired);
      expect(e.code).toBe(-32042);
      expect(e.elicitations).toHaveLength(1);
      const [elicitation] = e.elicitations;
      const pending = await listApprovals({
        principal: aliceP,
        scope: "mine",
        status: "pending",
        limit: 50,
      });
      const row = pending.find((r) => r.argsHash === argumentHash(args))!;
      expect(elicitation).toMatchObject({
        mode: "url",
        elicitationId: row.id,
        url: `${s.url}/approvals/${row.id}`,
      });
      expect(elicitation!.message).toMatch(/approval/);
      const rows = await auditRows(s.db);
      expect(rows).toHaveLength(audited + 2); // the request filed, and the refused call
      expect(rows.at(-1)).toMatchObject({ outcome: "approval_required", tool: "twilio_send_sms" });

      // Approved, the same client's call simply runs.
      await approve(row.id, aliceP);
      const ran = await call(a, "twilio_send_sms", args, {
        [CLIENT_CAPABILITIES_META]: { elicitation: { url: {} } },
      });
      expect(ran.isError).toBeFalsy();
    });

    it("gives a client with only form elicitation the isError result", async () => {
      const result = await call(a, "twilio_send_sms", smsArgs(), {
        [CLIENT_CAPABILITIES_META]: { elicitation: { form: {} } },
      });
      expect(errorOf(result).code).toBe("approval_required");
    });
  });

  describe("access keys", () => {
    it("an app key matches an approval of exactly this call by any person; without one it is refused and files nothing", async () => {
      const { key, info } = await createApiKey({
        name: `ledger-writer-${randomBytes(3).toString("hex")}`,
        kind: "app",
        roles: [APP_ROLES.write],
      });
      await recordConnection(info.id, "twilio", info.name);
      const app = await mcpClient(s.mcpUrl, { "x-api-key": key });
      const args = smsArgs("app");
      const before = await outboxCount(s.db, info.id);

      const refused = errorOf(await call(app, "twilio_send_sms", args));
      expect(refused).toMatchObject({ code: "approval_required", retriable: true });
      expect(refused.approval_id).toBeUndefined();
      expect(refused.approval_url).toBeUndefined();
      const [filed] = await s.db.db
        .select()
        .from(approvals)
        .where(eq(approvals.argsHash, argumentHash(args)));
      expect(filed).toBeUndefined();

      // Alice approved a different call: no match.
      await approveCall(aliceP, "twilio_send_sms", smsArgs("app"));
      expect(errorOf(await call(app, "twilio_send_sms", args)).code).toBe("approval_required");

      // Alice approved exactly this call (as in the chat, before the agent service makes it with the key).
      const [approved] = await approveCall(aliceP, "twilio_send_sms", args);
      expect((await call(app, "twilio_send_sms", args)).isError).toBeFalsy();
      expect(await outboxCount(s.db, info.id)).toBe(before + 1);
      expect((await getApproval(approved!.id))?.consumedCorrelationId).toMatch(/^[0-9a-f]{32}$/);
      // ...once.
      expect(errorOf(await call(app, "twilio_send_sms", args)).code).toBe("approval_required");
      expect(await outboxCount(s.db, info.id)).toBe(before + 1);
      await app.close();
    });

    it("a user key acts as its user: it matches that user's approvals only", async () => {
      // A user key acts as someone who signed in once (as `npm run mcp-key -- create --as` records).
      await s.db.db
        .insert(users)
        .values({
          id: alice.oid,
          tenantId: aliceP.tenantId,
          username: alice.preferredUsername,
          name: alice.name,
          roles: [],
        })
        .onConflictDoNothing();
      const { key } = await createApiKey({
        name: `ledger-as-alice-${randomBytes(3).toString("hex")}`,
        kind: "user",
        userId: alice.oid,
      });
      const asAlice = await mcpClient(s.mcpUrl, { "x-api-key": key });
      const args = smsArgs("user-key");
      await approveCall(bobP, "twilio_send_sms", args);
      const refused = errorOf(await call(asAlice, "twilio_send_sms", args));
      expect(refused.code).toBe("approval_required");
      expect((await getApproval(refused.approval_id!))?.requesterId).toBe(alice.oid);
      await approve(refused.approval_id!, aliceP);
      expect((await call(asAlice, "twilio_send_sms", args)).isError).toBeFalsy();
      await asAlice.close();
    });
  });

  it("never asks for read tools", async () => {
    const result = await call(a, "tavily_search", { query: "test drive" });
    expect(result.isError).toBeFalsy();
  });

  it("leaves a verifiable audit chain", async () => {
    expect(await verifyAuditChain()).toMatchObject({ ok: true });
  });
});

describe.each(["pglite", "postgres"] as const)("ledger under concurrency (%s)", (database) => {
  let s: McpTestServer;
  let aliceP: Principal;
  let carolP: Principal;

  beforeAll(async () => {
    s = await startMcpServer({ env: SERVER_ENV, database });
    await recordConnection(alice.oid, "twilio", alice.preferredUsername);
    aliceP = await demoPrincipal("alice");
    carolP = await demoPrincipal("carol");
  });
  afterAll(async () => s?.close());

  it("accepts exactly one of five concurrent decisions; the others are 409", async () => {
    const c = await userClient(s, "alice");
    const pending = errorOf(await call(c, "planner_delete_task", { taskId: "task-x" }));
    const danaAsApprover: Principal = { ...(await demoPrincipal("dana")), roles: ["Approver"] };
    const statuses = await Promise.all(
      [carolP, carolP, danaAsApprover, carolP, danaAsApprover].map((p, i) =>
        decisionStatus(approve(pending.approval_id!, p, i % 2 === 0)),
      ),
    );
    expect(statuses.filter((x) => x === 200)).toHaveLength(1);
    expect(statuses.filter((x) => x === 409)).toHaveLength(4);
    expect((await getApproval(pending.approval_id!))?.status).toMatch(/^(approved|rejected)$/);
    await c.close();
  });

  it("runs exactly one of several concurrent calls against one approval (one SMS)", async () => {
    const clients = await Promise.all(Array.from({ length: 6 }, () => userClient(s, "alice")));
    const args = smsArgs("race");
    const [approved] = await approveCall(aliceP, "twilio_send_sms", args);
    const before = await outboxCount(s.db, alice.oid);
    const results = await Promise.all(clients.map((c) => call(c, "twilio_send_sms", args)));
    expect(results.filter((r) => !r.isError)).toHaveLength(1);
    const refused = results.filter((r) => r.isError).map(errorOf);
    expect(refused).toHaveLength(5);
    for (const e of refused) expect(e.code).toBe("approval_required");
    // The refused calls share one new pending request rather than filing five.
    expect(new Set(refused.map((e) => e.approval_id)).size).toBe(1);
    expect(await outboxCount(s.db, alice.oid)).toBe(before + 1);
    expect((await getApproval(approved!.id))?.consumedAt).toBeInstanceOf(Date);
    await Promise.all(clients.map((c) => c.close()));
  });

  it("with two approvals, two of several concurrent calls run", async () => {
    const clients = await Promise.all(Array.from({ length: 5 }, () => userClient(s, "alice")));
    const args = smsArgs("race2");
    await approveCall(aliceP, "twilio_send_sms", args, { times: 2 });
    const before = await outboxCount(s.db, alice.oid);
    const results = await Promise.all(clients.map((c) => call(c, "twilio_send_sms", args)));
    expect(results.filter((r) => !r.isError)).toHaveLength(2);
    expect(await outboxCount(s.db, alice.oid)).toBe(before + 2);
    await Promise.all(clients.map((c) => c.close()));
  });
});

describe("with the ledger switched off (MCP_APPROVAL_LEDGER=false)", () => {
  let s: McpTestServer;
  beforeAll(async () => {
    s = await startMcpServer({ env: { ...SERVER_ENV, MCP_APPROVAL_LEDGER: "false" } });
    await recordConnection(alice.oid, "twilio", alice.preferredUsername);
  });
  afterAll(async () => s?.close());

  it("runs write calls without an approval and files none", async () => {
    const c = await userClient(s, "alice");
    const before = await outboxCount(s.db, alice.oid);
    const args = smsArgs("off");
    expect((await call(c, "twilio_send_sms", args)).isError).toBeFalsy();
    expect((await call(c, "twilio_send_sms", args)).isError).toBeFalsy();
    expect(await outboxCount(s.db, alice.oid)).toBe(before + 2);
    expect(await s.db.db.select().from(approvals)).toEqual([]);
    await c.close();
  });

  it("still applies the policy (an app may never call a privileged tool)", async () => {
    const { key } = await createApiKey({
      name: "off-writer",
      kind: "app",
      roles: [APP_ROLES.write],
    });
    const app = await mcpClient(s.mcpUrl, { "x-api-key": key });
    const err = errorOf(await call(app, "planner_delete_task", { taskId: "t" }));
    expect(err.code).toBe("forbidden");
    await app.close();
  });
});

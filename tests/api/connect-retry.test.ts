import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import type { ChatEvent } from "@/lib/chat/events";
import { approvals, sandboxOutbox } from "@/lib/db/schema";
import { findDemoUser } from "@/lib/identity/local-idp/users";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { OAUTH_CONNECTION } from "@/lib/local-foundry/connections/definitions";
import { putGrant } from "@/lib/local-foundry/connections/store";
import { getConnection } from "@/mcp-server/connections/store";
import { startTestApp, type TestApp } from "../helpers/app";
import { isTerminal, readSse } from "../helpers/sse";

/**
 * Provider connect in the chat, over HTTP with the real local agent service: a write call approved
 * before the provider was connected fails `auth_required`; after connecting, POST retry-tool runs
 * a hidden retry whose approval is linked to the earlier decision, and the SMS is sent once.
 */
let app: TestApp;
const token: Record<string, string> = {};
const oid = (u: string) => findDemoUser(u)!.oid;
const SMS = "Send an SMS to +14155550100 saying hello";

beforeAll(async () => {
  app = await startTestApp({ LOCAL_MODEL_PACING_MS: "0" });
  for (const u of ["alice", "bob"]) token[u] = await mintLocalAccessToken({ username: u });
  // alice consented once to the agent service's tools connection (its consent flow is tested
  // elsewhere); the first request to the local service seeds its connections.
  expect((await api("/api/agents", "alice")).status).toBe(200);
  await putGrant(app.db.db, {
    connectionName: OAUTH_CONNECTION,
    userId: oid("alice"),
    scopes: "access_as_user offline_access",
    tokens: { access_token: token.alice!, refresh_token: null },
    expiresIn: 3600,
  });
});
afterAll(async () => app?.close());

function api(path: string, who: string, init: RequestInit & { json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${token[who]}`);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  return fetch(`${app.url}${path}`, {
    ...init,
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });
}

const events = (
  id: string,
  who: string,
  after: number,
  until: (e: ChatEvent) => boolean = isTerminal,
) =>
  readSse(`${app.url}/api/conversations/${id}/events`, token[who]!, {
    lastEventId: after,
    until,
    timeoutMs: 20_000,
  }).then((r) => r.events);

async function ask(text: string, who = "alice") {
  const { id } = (await (
    await api("/api/conversations", who, { method: "POST", json: {} })
  ).json()) as {
    id: string;
  };
  const res = await api(`/api/conversations/${id}/messages`, who, {
    method: "POST",
    json: { text },
  });
  expect(res.status).toBe(202);
  const got = await events(id, who, 0, (e) => isTerminal(e) || e.type === "approval.requested");
  return { id, events: got };
}

const of = <T extends ChatEvent["type"]>(list: ChatEvent[], type: T) =>
  list.filter((e): e is Extract<ChatEvent, { type: T }> => e.type === type);

async function outbox(who: string): Promise<number> {
  return (
    await app.db.db
      .select()
      .from(sandboxOutbox)
      .where(eq(sandboxOutbox.userId, oid(who)))
  ).length;
}

describe("Connect <provider> and retry, end to end", () => {
  it("approve → auth_required → connect → retry-tool: auto-approved, sent exactly once, one user message", async () => {
    expect(await getConnection(oid("alice"), "twilio")).toBeUndefined();
    const first = await ask(SMS);
    const [requested] = of(first.events, "approval.requested");
    expect(requested?.data).toMatchObject({ name: "twilio_send_sms", risk: "write" });
    const decided = await api(`/api/approvals/${requested!.data.approvalId}/decision`, "alice", {
      method: "POST",
      json: { approve: true },
    });
    expect(decided.status).toBe(200);

    const rest = await events(first.id, "alice", requested!.seq);
    const [failed] = of(rest, "tool.call.failed");
    expect(failed?.data.name).toBe("twilio_send_sms");
    const error = JSON.parse(failed!.data.error) as {
      code: string;
      provider: string;
      connect_url: string;
    };
    expect(error).toMatchObject({ code: "auth_required", provider: "twilio" });
    // The connect link carries its token in the fragment, never in the query string.
    const link = new URL(error.connect_url);
    expect(link.pathname).toBe("/connect/twilio");
    expect(link.search).toBe("");
    const connectToken = new URLSearchParams(link.hash.slice(1)).get("token")!;
    expect(connectToken).toBeTruthy();
    expect(await outbox("alice")).toBe(0);
    const [earlier] = await app.db.db
      .select()
      .from(approvals)
      .where(eq(approvals.id, requested!.data.approvalId!));
    // The ledger gave the approval back: the tool did nothing.
    expect(earlier).toMatchObject({ status: "approved", consumedAt: null });

    // Nothing failed in the latest run of a fresh conversation: nothing to retry.
    const other = await ask("hello");
    expect(
      (await api(`/api/conversations/${other.id}/retry-tool`, "alice", { method: "POST" })).status,
    ).toBe(409);
    // Another user's conversation is not found.
    expect(
      (await api(`/api/conversations/${first.id}/retry-tool`, "bob", { method: "POST" })).status,
    ).toBe(404);

    // The consent page's POST (from the popup: the connect token, same origin, no bearer).
    const connected = await fetch(`${app.url}/api/connections/twilio`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        origin: app.url,
        "sec-fetch-site": "same-origin",
      },
      body: JSON.stringify({ token: connectToken }),
    });
    expect(connected.status).toBe(200);

    const lastSeq = rest.at(-1)!.seq;
    const retried = await api(`/api/conversations/${first.id}/retry-tool`, "alice", {
      method: "POST",
    });
    expect(retried.status).toBe(202);
    const { runId } = (await retried.json()) as { runId: string };
    const after = await events(first.id, "alice", lastSeq);
    expect(after.every((e) => e.runId === runId)).toBe(true);
    expect(after[0]).toMatchObject({
      type: "run.started",
      data: { input: "Retry the last tool call.", hidden: true },
    });
    const [again] = of(after, "approval.requested");
    expect(again?.data).toMatchObject({ name: "twilio_send_sms" });
    expect(JSON.parse(again!.data.arguments)).toEqual(JSON.parse(requested!.data.arguments));
    expect(again!.data.approvalId).not.toBe(requested!.data.approvalId);
    expect(of(after, "approval.decided")).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({
          approvalRequestId: again!.data.approvalRequestId,
          approve: true,
          reason: "Approved earlier; retried after connecting Twilio",
        }),
      }),
    ]);
    expect(of(after, "tool.call.completed").map((e) => e.data.name)).toEqual(["twilio_send_sms"]);
    expect(after.at(-1)?.type).toBe("run.completed");
    const answer = of(after, "text.done")
      .map((e) => e.data.text)
      .join("");
    expect(answer).toContain("+14155550100");
    expect(await outbox("alice")).toBe(1);

    // Both approvals are used up: nothing is left to run the SMS a second time.
    const rows = await app.db.db
      .select()
      .from(approvals)
      .where(and(eq(approvals.requesterId, oid("alice")), eq(approvals.tool, "twilio_send_sms")));
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.status === "approved" && r.consumedAt !== null)).toBe(true);

    // The user's message appears once; the hidden retry is no user message.
    const view = (await (await api(`/api/conversations/${first.id}`, "alice")).json()) as {
      title: string;
      messages: { role: string; text: string }[];
    };
    expect(view.messages.filter((m) => m.role === "user").map((m) => m.text)).toEqual([SMS]);
    expect(view.title).not.toContain("Retry");

    // The latest run succeeded: a second retry has nothing to retry.
    expect(
      (await api(`/api/conversations/${first.id}/retry-tool`, "alice", { method: "POST" })).status,
    ).toBe(409);
    expect(await outbox("alice")).toBe(1);
  });

  it("is 409 while a run is active (waiting for approval)", async () => {
    const waiting = await ask("Send an SMS to +14155550100 saying later");
    expect(of(waiting.events, "approval.requested")).toHaveLength(1);
    const res = await api(`/api/conversations/${waiting.id}/retry-tool`, "alice", {
      method: "POST",
    });
    expect(res.status).toBe(409);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    await api(`/api/conversations/${waiting.id}/cancel`, "alice", { method: "POST" });
  });

  it("GET /api/connections: providers and consents of the caller only; nobody else's can be removed", async () => {
    const res = await api("/api/connections", "alice");
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      providers: {
        provider: string;
        displayName: string;
        connected: boolean;
        accountLabel?: string;
        connectedAt?: string;
        scopes?: string[];
        connectUrl?: string;
      }[];
      consents: { name: string; granted: boolean; scopes: string[] }[];
      consentsSupported: boolean;
    };
    expect(Object.keys(body).sort()).toEqual(["consents", "consentsSupported", "providers"]);
    expect(body.providers.map((p) => p.provider)).toEqual(["gmail", "graph", "twilio"]);
    expect(body.providers.find((p) => p.provider === "twilio")).toMatchObject({
      displayName: "Twilio",
      connected: true,
      accountLabel: "alice@contoso.local",
      scopes: ["messages:create"],
      connectedAt: expect.any(String),
    });
    const gmail = body.providers.find((p) => p.provider === "gmail")!;
    expect(gmail).toMatchObject({ displayName: "Gmail", connected: false });
    expect(new URL(gmail.connectUrl!).hash).toMatch(/^#token=/);
    // Tool consents come from the embedded agent service, as alice: her grant of its OAuth
    // connection (key connections involve no user and are not listed).
    expect(body.consentsSupported).toBe(true);
    expect(body.consents).toEqual([
      expect.objectContaining({
        name: OAUTH_CONNECTION,
        granted: true,
        scopes: ["access_as_user", "offline_access"],
        grantedAt: expect.any(String),
      }),
    ]);

    // bob sees none of alice's, and his DELETE removes only his own (none).
    const bobs = (await (await api("/api/connections", "bob")).json()) as typeof body;
    expect(bobs.providers.every((p) => !p.connected && !p.accountLabel)).toBe(true);
    expect(JSON.stringify(bobs)).not.toContain("alice@contoso.local");
    expect((await api("/api/connections/twilio", "bob", { method: "DELETE" })).status).toBe(204);
    expect(await getConnection(oid("alice"), "twilio")).toBeDefined();
    expect(bobs.consents).toEqual([
      expect.objectContaining({ name: OAUTH_CONNECTION, granted: false }),
    ]);
    // bob cannot revoke alice's consent: he has no grant of his own to revoke.
    const bobRevoke = await api(`/api/connections/consents/${OAUTH_CONNECTION}`, "bob", {
      method: "DELETE",
    });
    expect(bobRevoke.status).toBe(404);
    expect(
      (await api("/api/connections/consents/no-such-connection", "bob", { method: "DELETE" }))
        .status,
    ).toBe(404);
    expect((await fetch(`${app.url}/api/connections`)).status).toBe(401);
    expect(
      (await fetch(`${app.url}/api/connections/consents/${OAUTH_CONNECTION}`, { method: "DELETE" }))
        .status,
    ).toBe(401);
    const still = (await (await api("/api/connections", "alice")).json()) as typeof body;
    expect(still.consents[0]).toMatchObject({ granted: true });

    // alice disconnects and revokes her own.
    expect((await api("/api/connections/twilio", "alice", { method: "DELETE" })).status).toBe(204);
    expect(await getConnection(oid("alice"), "twilio")).toBeUndefined();
    expect(
      (await api(`/api/connections/consents/${OAUTH_CONNECTION}`, "alice", { method: "DELETE" }))
        .status,
    ).toBe(204);
    const after = (await (await api("/api/connections", "alice")).json()) as typeof body;
    expect(after.consents[0]).toMatchObject({ name: OAUTH_CONNECTION, granted: false });
    expect(after.providers.find((p) => p.provider === "twilio")).toMatchObject({
      connected: false,
    });
  });
});

import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "@/lib/audit";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { findDemoUser } from "@/lib/identity/local-idp/users";
import { recordConnection } from "@/mcp-server/connections/store";
import {
  approveCall,
  auditRows,
  bearer,
  errorOf,
  mcpClient,
  outboxCount,
  startMcpServer,
  type McpTestServer,
} from "./harness";

const KEY = "io.foundry-agent-chat/idempotency-key";
const alice = findDemoUser("alice")!;
const carol = findDemoUser("carol")!;

let s: McpTestServer;
let client: Client;

function sms(body: string, key?: string, c: Client = client): Promise<CallToolResult> {
  return c.callTool({
    name: "twilio_send_sms",
    arguments: { to: "+447911123456", body },
    ...(key ? { _meta: { [KEY]: key } } : {}),
  }) as Promise<CallToolResult>;
}
/** Every SMS here is a write: the ledger wants one approval per send (see ledger.test.ts). */
const approveSms = (user: string, body: string, times = 1) =>
  approveCall(user, "twilio_send_sms", { to: "+447911123456", body }, { times });
const sid = (r: CallToolResult) => (r.structuredContent as { sid: string }).sid;

describe.each(["pglite", "postgres"] as const)("idempotency of write tools (%s)", (database) => {
  beforeAll(async () => {
    s = await startMcpServer({ database });
    await recordConnection(alice.oid, "twilio", alice.preferredUsername);
    client = await mcpClient(s.mcpUrl, bearer(await mintLocalAccessToken({ username: "alice" })));
  });
  afterAll(async () => {
    await client?.close();
    await s?.close();
  });

  it("sends once per key: a replay returns the first result and sends nothing", async () => {
    const before = await outboxCount(s.db, alice.oid);
    await approveSms("alice", "Your car is ready.");
    const first = await sms("Your car is ready.", "order-42-ready");
    expect(first.isError).toBeFalsy();
    expect(sid(first)).toMatch(/^SM[0-9a-f]{32}$/);
    const replay = await sms("Your car is ready.", "order-42-ready");
    expect(sid(replay)).toBe(sid(first));
    expect(replay.content).toEqual(first.content);
    expect(replay._meta).toMatchObject({ "io.foundry-agent-chat/replayed": true });
    expect(await outboxCount(s.db, alice.oid)).toBe(before + 1);
    expect((await auditRows(s.db)).slice(-2).map((r) => [r.outcome, r.idempotencyKey])).toEqual([
      ["ok", "order-42-ready"],
      ["replayed", "order-42-ready"],
    ]);
  });

  it("refuses the same key with different arguments, sending nothing", async () => {
    const before = await outboxCount(s.db, alice.oid);
    const err = errorOf(await sms("Your car is NOT ready.", "order-42-ready"));
    expect(err).toMatchObject({ code: "conflict", retriable: false });
    expect(err.message).toMatch(/different call/);
    expect(await outboxCount(s.db, alice.oid)).toBe(before);
  });

  it("runs concurrent duplicates once", async () => {
    const before = await outboxCount(s.db, alice.oid);
    await approveSms("alice", "Test drive at 10:00 confirmed.");
    const results = await Promise.all(
      Array.from({ length: 8 }, () => sms("Test drive at 10:00 confirmed.", "booking-7")),
    );
    expect(await outboxCount(s.db, alice.oid)).toBe(before + 1);
    const ok = results.filter((r) => !r.isError);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map(sid)).size).toBe(1);
    for (const r of results.filter((x) => x.isError)) {
      expect(errorOf(r)).toMatchObject({
        code: "conflict",
        retriable: true,
        retry_after_seconds: 1,
      });
    }
    // Once the first finished, the key replays for everyone.
    expect(sid(await sms("Test drive at 10:00 confirmed.", "booking-7"))).toBe(sid(ok[0]!));
    expect(await outboxCount(s.db, alice.oid)).toBe(before + 1);
  });

  it("takes the key from the Idempotency-Key header too", async () => {
    const viaHeader = await mcpClient(s.mcpUrl, {
      ...bearer(await mintLocalAccessToken({ username: "alice" })),
      "idempotency-key": "hdr-1",
    });
    const before = await outboxCount(s.db, alice.oid);
    await approveSms("alice", "Header key.");
    const a = await sms("Header key.", undefined, viaHeader);
    const b = await sms("Header key.", undefined, viaHeader);
    expect(sid(b)).toBe(sid(a));
    expect(await outboxCount(s.db, alice.oid)).toBe(before + 1);
    await viaHeader.close();
  });

  it("scopes keys per caller: the same key from carol is her own call", async () => {
    await recordConnection(carol.oid, "twilio", carol.preferredUsername);
    const asCarol = await mcpClient(
      s.mcpUrl,
      bearer(await mintLocalAccessToken({ username: "carol" })),
    );
    await approveSms("carol", "Your car is ready.");
    const r = await sms("Your car is ready.", "order-42-ready", asCarol);
    expect(r.isError).toBeFalsy();
    expect(r._meta?.["io.foundry-agent-chat/replayed"]).toBeUndefined();
    expect(await outboxCount(s.db, carol.oid)).toBe(1);
    await asCarol.close();
  });

  it("without a key, every call acts (nothing to tell a repeat from a new message)", async () => {
    const before = await outboxCount(s.db, alice.oid);
    await approveSms("alice", "No key.", 2);
    const a = await sms("No key.");
    const b = await sms("No key.");
    expect(sid(a)).not.toBe(sid(b));
    expect(await outboxCount(s.db, alice.oid)).toBe(before + 2);
  });

  it("frees a key when the call was refused before acting, so the same key can succeed later", async () => {
    const bob = findDemoUser("bob")!;
    const asBob = await mcpClient(
      s.mcpUrl,
      bearer(await mintLocalAccessToken({ username: "bob" })),
    );
    // One approval: the refused call provably sent nothing, so it gives the approval back too.
    await approveSms("bob", "Hello.");
    const refused = errorOf(await sms("Hello.", "bob-1", asBob));
    expect(refused.code).toBe("auth_required");
    await recordConnection(bob.oid, "twilio", bob.preferredUsername);
    const sent = await sms("Hello.", "bob-1", asBob);
    expect(sent.isError).toBeFalsy();
    expect(await outboxCount(s.db, bob.oid)).toBe(1);
    await asBob.close();
  });

  it("refuses a malformed key", async () => {
    const err = errorOf(await sms("Bad key.", "has spaces in it"));
    expect(err.code).toBe("invalid_arguments");
  });

  it("leaves a verifiable audit chain", async () => {
    expect(await verifyAuditChain()).toMatchObject({ ok: true });
  });
});

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatEvent } from "@/lib/chat/events";
import { resetConfig } from "@/lib/config";
import { openDb, setDbHandle, type DbHandle } from "@/lib/db/client";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { grantConsentDirectly, type DemoUserName } from "../helpers/consent";
import { createScratchDatabase } from "../helpers/postgres";
import { freePort, startReplica, type Replica } from "../helpers/replicas";
import { isTerminal, readSse } from "../helpers/sse";

/**
 * Scale-out: two app replicas (separate processes) on one PostgreSQL and one Redis. Streams,
 * Stop, rate limits and the audit chain must behave as on one process, whichever replica a
 * request lands on.
 */
const CHAT_LIMIT = 3;
// A Redis database of its own, so the shared limit counters of other suites never meet ours.
const REDIS_URL = "redis://127.0.0.1:6379/9";
const USERS: DemoUserName[] = ["alice", "bob", "carol", "dana"];

let scratch: { url: string; drop: () => Promise<void> };
let dataDir: string;
let a: Replica | undefined;
let b: Replica | undefined;
let db: DbHandle | undefined;
let sql: pg.Client | undefined;
const token: Record<string, string> = {};

beforeAll(async () => {
  scratch = await createScratchDatabase();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fac-replicas-"));
  const portA = await freePort();
  const appUrl = `http://127.0.0.1:${portA}`;
  // A previous run of this file within the minute must not have used up the windows.
  const redis = new Redis(REDIS_URL);
  const stale = await redis.keys("fac:rl:*");
  if (stale.length > 0) await redis.del(...stale);
  redis.disconnect();
  const env = {
    DATABASE_URL: scratch.url,
    REDIS_URL,
    APP_URL: appUrl,
    DATA_DIR: dataDir,
    // The long answer (about a hundred chunks) streams for a few seconds: time to press Stop.
    LOCAL_MODEL_PACING_MS: "40",
    CHAT_MESSAGES_PER_MINUTE: String(CHAT_LIMIT),
    MCP_RATE_LIMIT_PER_MINUTE: "1000",
  };
  [a, b] = await Promise.all([startReplica(portA, env), startReplica(await freePort(), env)]);
  // Tokens as the replicas mint them: same issuer (APP_URL) and key (DATA_DIR).
  Object.assign(process.env, { APP_URL: appUrl, DATA_DIR: dataDir });
  resetConfig();
  for (const u of USERS) token[u] = await mintLocalAccessToken({ username: u });
  // Not about consent: the users have consented to the default agent's tools connection.
  db = await openDb({ kind: "postgres", url: scratch.url });
  setDbHandle(Promise.resolve(db));
  for (const u of USERS) await grantConsentDirectly(u);
  sql = new pg.Client({ connectionString: scratch.url });
  await sql.connect();
}, 120_000);

afterAll(async () => {
  await sql?.end();
  setDbHandle(undefined);
  await db?.close();
  await a?.stop();
  await b?.stop();
  await scratch?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function call(base: string, p: string, who: string, init: RequestInit & { json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${token[who]}`);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  return fetch(`${base}${p}`, {
    ...init,
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });
}

async function newConversation(base: string, who: string): Promise<string> {
  const res = await call(base, "/api/conversations", who, { method: "POST", json: {} });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

const send = (base: string, id: string, who: string, text: string) =>
  call(base, `/api/conversations/${id}/messages`, who, { method: "POST", json: { text } });

/** Opens `who`'s stream of conversation `id` on `base`; resolves `opened` once it is connected. */
function watch(base: string, id: string, who: string, until: (e: ChatEvent) => boolean) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const done = readSse(`${base}/api/conversations/${id}/events`, token[who]!, {
    until,
    timeoutMs: 30_000,
    onOpen: open,
  });
  // A stream that fails before opening must not leave `opened` pending forever.
  return { opened: Promise.race([opened, done.then(() => undefined)]), done };
}

const seqs = (events: ChatEvent[]) => events.map((e) => e.seq);

describe("two replicas on PostgreSQL + Redis", () => {
  it("a run driven by replica B streams live to the stream open on replica A, every event once and in order", async () => {
    const id = await newConversation(a!.url, "alice");
    const onA = watch(a!.url, id, "alice", isTerminal);
    await onA.opened;
    expect((await send(b!.url, id, "alice", "Hello there")).status).toBe(202);
    const { events, ids } = await onA.done;
    expect(events[0]?.type).toBe("run.started");
    expect(events.filter((e) => e.type === "text.delta").length).toBeGreaterThan(0);
    expect(events.at(-1)?.type).toBe("run.completed");
    expect(events.filter(isTerminal)).toHaveLength(1);
    // Exactly once, in order: consecutive sequence numbers, and the SSE ids are those numbers.
    const first = events[0]!.seq;
    expect(seqs(events)).toEqual(events.map((_, i) => first + i));
    expect(ids).toEqual(seqs(events).map(String));
    expect(new Set(events.map((e) => e.runId)).size).toBe(1);
    // The same log as replica B has stored.
    const stored = await readSse(`${b!.url}/api/conversations/${id}/events`, token.alice!, {
      until: isTerminal,
      timeoutMs: 20_000,
    });
    expect(stored.events).toEqual(events);
  }, 60_000);

  it.each([
    ["A", "B"],
    ["B", "A"],
  ] as const)(
    "a long answer started on replica %s and stopped on replica %s ends run.cancelled on the watching stream",
    async (startOn, stopOn) => {
      const base = { A: a!.url, B: b!.url };
      const id = await newConversation(base[startOn], "carol");
      const watching = watch(base.A, id, "carol", isTerminal);
      await watching.opened;
      expect((await send(base[startOn], id, "carol", "Please give me a long answer")).status).toBe(
        202,
      );
      // Stop once the answer is visibly streaming on A.
      await readSse(`${base.A}/api/conversations/${id}/events`, token.carol!, {
        until: (e) => e.type === "text.delta" || isTerminal(e),
        timeoutMs: 20_000,
      });
      const stop = await call(base[stopOn], `/api/conversations/${id}/cancel`, "carol", {
        method: "POST",
      });
      expect(stop.status).toBe(202);
      const { events } = await watching.done;
      expect(events.some((e) => e.type === "text.delta")).toBe(true);
      expect(events.at(-1)?.type).toBe("run.cancelled");
      expect(events.filter(isTerminal)).toHaveLength(1);
      expect(events.some((e) => e.type === "text.done")).toBe(false);
      // The conversation is idle again: nothing left to stop on either replica.
      for (const r of [a!.url, b!.url]) {
        const again = await call(r, `/api/conversations/${id}/cancel`, "carol", {
          method: "POST",
        });
        expect(again.status).toBe(409);
      }
    },
    60_000,
  );

  it("the chat message limit is counted across both replicas: messages alternated A/B, the one past the limit gets 429", async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= CHAT_LIMIT; i++) {
      const base = i % 2 === 0 ? a!.url : b!.url;
      // A fresh conversation each time, so no message waits for a previous run to finish.
      const id = await newConversation(base, "bob");
      const res = await send(base, id, "bob", `Hello ${i}`);
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([...Array<number>(CHAT_LIMIT).fill(202), 429]);
    // The limit is bob's own: alice can still send on either replica.
    const id = await newConversation(b!.url, "alice");
    expect((await send(b!.url, id, "alice", "Hello again")).status).toBe(202);
  }, 60_000);

  it("concurrent MCP tool calls on both replicas leave one linear, verifiable audit chain with one entry per call", async () => {
    const PER_REPLICA = 20;
    const before = Number((await sql!.query("select count(*)::int as n from audit_log")).rows[0].n);
    const clients = await Promise.all(
      [a!.url, b!.url].map(async (base) => {
        const client = new Client({ name: "fac-scale-tests", version: "1.0.0" });
        await client.connect(
          new StreamableHTTPClientTransport(new URL(`${base}/api/mcp`), {
            requestInit: { headers: { authorization: `Bearer ${token.alice}` } },
          }),
        );
        return client;
      }),
    );
    try {
      const results = await Promise.all(
        clients.flatMap((client) =>
          Array.from({ length: PER_REPLICA }, () =>
            client.callTool({ name: "provider_connection_status", arguments: {} }),
          ),
        ),
      );
      expect(results.filter((r) => r.isError)).toEqual([]);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
    const rows = (
      await sql!.query<{ id: number; prev_hash: string; hash: string; tool: string }>(
        "select id, prev_hash, hash, tool from audit_log order by id",
      )
    ).rows;
    const added = rows.slice(before);
    expect(added).toHaveLength(2 * PER_REPLICA);
    expect(added.every((r) => r.tool === "provider_connection_status")).toBe(true);
    // Linear: every entry links to the one before it, none shares a predecessor.
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prev_hash).toBe(rows[i - 1]!.hash);
    expect(new Set(rows.map((r) => r.prev_hash)).size).toBe(rows.length);
    // And the admin's verification, asked of either replica, agrees.
    for (const base of [a!.url, b!.url]) {
      const res = await call(base, "/api/admin/audit/verify", "dana", { method: "POST" });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        ok: true,
        checked: rows.length,
        lastHash: rows.at(-1)!.hash,
      });
    }
  }, 90_000);
});

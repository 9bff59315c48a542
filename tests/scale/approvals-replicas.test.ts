import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import type { ChatEvent } from "@/lib/chat/events";
import { resetConfig } from "@/lib/config";
import { openDb, setDbHandle, type DbHandle } from "@/lib/db/client";
import { findDemoUser } from "@/lib/identity/local-idp/users";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { grantConsentDirectly } from "../helpers/consent";
import { createScratchDatabase } from "../helpers/postgres";
import { freePort, startReplica, type Replica } from "../helpers/replicas";
import { isTerminal, readSse } from "../helpers/sse";

/**
 * Two app replicas (separate processes) on one PostgreSQL and one Redis: the run is driven by
 * replica A, the decision is made on replica B, and alice's stream on A continues live.
 */
let scratch: { url: string; drop: () => Promise<void> };
let dataDir: string;
let env: Record<string, string>;
let portA: number;
let a: Replica | undefined;
let b: Replica | undefined;
let db: DbHandle | undefined;
const token: Record<string, string> = {};

beforeAll(async () => {
  scratch = await createScratchDatabase();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fac-replicas-"));
  portA = await freePort();
  const appUrl = `http://127.0.0.1:${portA}`;
  env = {
    DATABASE_URL: scratch.url,
    REDIS_URL: "redis://127.0.0.1:6379",
    APP_URL: appUrl,
    DATA_DIR: dataDir,
    LOCAL_MODEL_PACING_MS: "0",
  };
  a = await startReplica(portA, env);
  b = await startReplica(await freePort(), env);
  // Tokens as the replicas mint them: same issuer (APP_URL) and key (DATA_DIR).
  Object.assign(process.env, { APP_URL: appUrl, DATA_DIR: dataDir });
  resetConfig();
  for (const u of ["alice", "carol"]) token[u] = await mintLocalAccessToken({ username: u });
  // Not about consent: alice has consented to the default agent's tools connection.
  db = await openDb({ kind: "postgres", url: scratch.url });
  setDbHandle(Promise.resolve(db));
  await grantConsentDirectly("alice");
  const c = new pg.Client({ connectionString: scratch.url });
  await c.connect();
  await c
    .query(
      "insert into provider_connections (user_id, provider, account_label) values ($1, 'graph', 'alice') on conflict do nothing",
      [findDemoUser("alice")!.oid],
    )
    .catch(async () => undefined);
  await c.end();
}, 120_000);

afterAll(async () => {
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

async function waitingRun(base: string, text: string) {
  const res = await call(base, "/api/conversations", "alice", { method: "POST", json: {} });
  const { id } = (await res.json()) as { id: string };
  expect(
    (
      await call(base, `/api/conversations/${id}/messages`, "alice", {
        method: "POST",
        json: { text },
      })
    ).status,
  ).toBe(202);
  const { events } = await readSse(`${base}/api/conversations/${id}/events`, token.alice!, {
    until: (e) => isTerminal(e) || e.type === "approval.requested",
    timeoutMs: 20_000,
  });
  const req = events.find((e) => e.type === "approval.requested") as
    Extract<ChatEvent, { type: "approval.requested" }> | undefined;
  expect(req, JSON.stringify(events.at(-1))).toBeDefined();
  return { id, req: req! };
}

describe("approvals across replicas (PostgreSQL + Redis)", () => {
  it("a decision on the replica that does not drive the run continues it; the requester's stream on the other replica follows live", async () => {
    const { id, req } = await waitingRun(a!.url, "Create a task called Call the dealer");
    // alice keeps watching on replica A while the decision goes to replica B.
    const watching = readSse(`${a!.url}/api/conversations/${id}/events`, token.alice!, {
      lastEventId: req.seq,
      until: isTerminal,
      timeoutMs: 20_000,
    });
    const decide = (base: string) =>
      call(base, `/api/approvals/${req.data.approvalId}/decision`, "alice", {
        method: "POST",
        json: { approve: true },
      });
    expect((await decide(b!.url)).status).toBe(200);
    // Late clicks on either replica are refused: the decision is taken once.
    const late = await Promise.all([decide(a!.url), decide(b!.url)]);
    expect(late.map((r) => r.status)).toEqual([409, 409]);
    const { events } = await watching;
    expect(events[0]).toMatchObject({ type: "approval.decided", data: { approve: true } });
    const calls = events.filter((e) => e.type === "tool.call.completed");
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ data: { name: "planner_create_task" } });
    expect(events.at(-1)?.type).toBe("run.completed");
  }, 60_000);

  it("the same decision posted to both replicas at once is taken once and the tool runs once", async () => {
    const { id, req } = await waitingRun(a!.url, "Create a task called Both replicas heard it");
    const watching = readSse(`${a!.url}/api/conversations/${id}/events`, token.alice!, {
      lastEventId: req.seq,
      until: isTerminal,
      timeoutMs: 20_000,
    });
    const statuses = await Promise.all(
      [a!.url, b!.url].map(
        async (base) =>
          (
            await call(base, `/api/approvals/${req.data.approvalId}/decision`, "alice", {
              method: "POST",
              json: { approve: true },
            })
          ).status,
      ),
    );
    expect(statuses.sort()).toEqual([200, 409]);
    const { events } = await watching;
    expect(events.filter((e) => e.type === "approval.decided")).toHaveLength(1);
    expect(events.filter((e) => e.type === "tool.call.started")).toHaveLength(1);
    expect(events.filter((e) => e.type === "tool.call.completed")).toHaveLength(1);
    expect(events.filter((e) => e.type === "run.started")).toHaveLength(0);
    expect(events.at(-1)?.type).toBe("run.completed");
  }, 60_000);

  it("a pending approval survives a restart of the replica that drove the run", async () => {
    const { id, req } = await waitingRun(a!.url, "Create a task called Restart check");
    await a!.stop();
    a = await startReplica(portA, env);
    const res = await call(a.url, `/api/approvals/${req.data.approvalId}/decision`, "alice", {
      method: "POST",
      json: { approve: true },
    });
    expect(res.status).toBe(200);
    const { events } = await readSse(`${a.url}/api/conversations/${id}/events`, token.alice!, {
      lastEventId: req.seq,
      until: isTerminal,
      timeoutMs: 20_000,
    });
    expect(events.find((e) => e.type === "tool.call.completed")).toMatchObject({
      data: { name: "planner_create_task" },
    });
    expect(events.at(-1)?.type).toBe("run.completed");
  }, 90_000);
});

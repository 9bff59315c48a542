/**
 * Approval round trip: from the moment an approval decision is posted to the moment the
 * requester's open event stream receives (a) the `approval.decided` event and (b) the continued
 * run's first event (the agent service was asked again, with the decision, and answered).
 * Scripted model with pacing off, loopback only, in two set-ups:
 *  - one instance, the embedded defaults (in this process);
 *  - two replicas (separate processes) on a scratch PostgreSQL database and Redis: replica A
 *    drives the run and serves the requester's stream, the decision is posted to replica B.
 *
 *   npm run -s bench -- approvals
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { EventSourceParserStream, type EventSourceMessage } from "eventsource-parser/stream";
import { resetCredentialCaches } from "@/lib/agents/credentials";
import { resetConfig } from "@/lib/config";
import { openDb, setDbHandle } from "@/lib/db/client";
import { resetRecentUsers } from "@/lib/identity/authenticate";
import { resetLocalKeyCache } from "@/lib/identity/local-idp/keys";
import { findDemoUser } from "@/lib/identity/local-idp/users";
import { resetSealingKey } from "@/lib/secrets/seal";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { recordConnection } from "@/mcp-server/connections/store";
import { startTestApp } from "../../tests/helpers/app";
import { grantConsentDirectly } from "../../tests/helpers/consent";
import { createScratchDatabase } from "../../tests/helpers/postgres";
import { freePort, startReplica, type Replica } from "../../tests/helpers/replicas";
import { fmt, percentile } from "./stats";

/** The target: decision → the requester's first continued event, p95. */
export const APPROVAL_TARGET_P95_MS = 150;

interface Sample {
  decidedMs: number;
  continuedMs: number;
}

export interface ApprovalBenchResult {
  setup: "one instance (embedded)" | "two replicas (PostgreSQL + Redis)";
  iterations: number;
  decided: [p50: number, p95: number, p99: number];
  continued: [p50: number, p95: number, p99: number];
}

const BENCH_ENV = {
  LOCAL_MODEL_PACING_MS: "0",
  LOG_LEVEL: "silent",
  CHAT_MESSAGES_PER_MINUTE: "100000",
  MCP_RATE_LIMIT_PER_MINUTE: "100000",
};

/**
 * One approval: the run is started and streamed on `streamUrl`; the decision goes to `decideUrl`
 * (the same instance, or the other replica).
 */
async function oneRound(
  streamUrl: string,
  decideUrl: string,
  token: string,
  i: number,
): Promise<Sample> {
  const auth = { authorization: `Bearer ${token}` };
  const json = { ...auth, "content-type": "application/json" };
  const created = await fetch(`${streamUrl}/api/conversations`, {
    method: "POST",
    headers: json,
    body: "{}",
  });
  const { id } = (await created.json()) as { id: string };
  const controller = new AbortController();
  const res = await fetch(`${streamUrl}/api/conversations/${id}/events`, {
    headers: auth,
    signal: controller.signal,
  });
  const reader = res
    .body!.pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  const next = async (): Promise<EventSourceMessage> => {
    const { done, value } = await reader.read();
    if (done)
      throw new Error(`stream ended (HTTP ${res.status}): ${await res.text().catch(() => "")}`);
    return value;
  };
  await fetch(`${streamUrl}/api/conversations/${id}/messages`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ text: `Create a task called Bench task ${i}` }),
  });
  let approvalId: string | undefined;
  while (!approvalId) {
    const m = await next();
    if (m.event === "approval.requested")
      approvalId = (JSON.parse(m.data) as { data: { approvalId: string } }).data.approvalId;
    if (m.event?.startsWith("run.") && m.event !== "run.started")
      throw new Error(`run ended: ${m.data}`);
  }
  const t0 = performance.now();
  const decision = fetch(`${decideUrl}/api/approvals/${approvalId}/decision`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ approve: true }),
  });
  let decidedMs = 0;
  let continuedMs = 0;
  while (!continuedMs) {
    const m = await next();
    if (m.event === "approval.decided") decidedMs = performance.now() - t0;
    else if (decidedMs) continuedMs = performance.now() - t0;
  }
  const status = (await decision).status;
  if (status !== 200) throw new Error(`decision answered ${status}`);
  for (;;) {
    const m = await next();
    if (m.event === "run.completed" || m.event === "run.failed" || m.event === "run.cancelled")
      break;
  }
  controller.abort();
  return { decidedMs, continuedMs };
}

async function measure(
  setup: ApprovalBenchResult["setup"],
  streamUrl: string,
  decideUrl: string,
  token: string,
  iterations: number,
): Promise<ApprovalBenchResult> {
  for (let i = 0; i < 3; i++) await oneRound(streamUrl, decideUrl, token, -i - 1);
  const samples: Sample[] = [];
  for (let i = 0; i < iterations; i++) samples.push(await oneRound(streamUrl, decideUrl, token, i));
  const ps = (values: number[]) =>
    [50, 95, 99].map((p) => percentile(values, p)) as [number, number, number];
  return {
    setup,
    iterations,
    decided: ps(samples.map((s) => s.decidedMs)),
    continued: ps(samples.map((s) => s.continuedMs)),
  };
}

async function aliceReady(): Promise<string> {
  const alice = findDemoUser("alice")!;
  await recordConnection(alice.oid, "graph", alice.preferredUsername);
  await grantConsentDirectly("alice");
  return mintLocalAccessToken({ username: "alice" });
}

/** One instance with the embedded defaults, in this process. */
export async function benchApprovals(iterations = 100): Promise<ApprovalBenchResult> {
  const app = await startTestApp(BENCH_ENV);
  try {
    const token = await aliceReady();
    return await measure("one instance (embedded)", app.url, app.url, token, iterations);
  } finally {
    await app.close();
  }
}

/**
 * Two replicas in their own processes on one scratch PostgreSQL database and Redis: A drives the
 * run and serves alice's stream, the decision is posted to B.
 */
export async function benchApprovalsReplicas(iterations = 100): Promise<ApprovalBenchResult> {
  const scratch = await createScratchDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fac-bench-replicas-"));
  const portA = await freePort();
  const appUrl = `http://127.0.0.1:${portA}`;
  const env = {
    ...BENCH_ENV,
    DATABASE_URL: scratch.url,
    REDIS_URL: "redis://127.0.0.1:6379",
    APP_URL: appUrl,
    DATA_DIR: dataDir,
  };
  const replicas: Replica[] = [];
  const db = await openDb({ kind: "postgres", url: scratch.url });
  const before = { APP_URL: process.env.APP_URL, DATA_DIR: process.env.DATA_DIR };
  try {
    replicas.push(await startReplica(portA, env));
    replicas.push(await startReplica(await freePort(), env));
    // Seeded and signed as the replicas see it: same database, issuer (APP_URL) and key (DATA_DIR).
    Object.assign(process.env, { APP_URL: appUrl, DATA_DIR: dataDir });
    forgetKeysAndCaches();
    setDbHandle(Promise.resolve(db));
    const token = await aliceReady();
    const [a, b] = replicas as [Replica, Replica];
    return await measure("two replicas (PostgreSQL + Redis)", a.url, b.url, token, iterations);
  } finally {
    // The benches after this one see this process's configuration as it was.
    for (const [k, v] of Object.entries(before))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    forgetKeysAndCaches();
    setDbHandle(undefined);
    await db.close();
    await Promise.all(replicas.map((r) => r.stop()));
    await scratch.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** This process's keys and caches belong to a DATA_DIR (and database): a new one reloads them. */
function forgetKeysAndCaches(): void {
  resetConfig();
  resetSealingKey();
  resetLocalKeyCache();
  resetRecentUsers();
  resetCredentialCaches();
}

export function formatApprovals(results: ApprovalBenchResult[]): string {
  const verdict = results.every((r) => r.continued[1] <= APPROVAL_TARGET_P95_MS) ? "PASS" : "MISS";
  return [
    `\`npm run bench -- approvals\` — target: decision → the requester's first continued event p95 ≤ ${APPROVAL_TARGET_P95_MS} ms, on one instance and across two replicas over Redis: **${verdict}**`,
    "",
    "Measured from `POST /api/approvals/:id/decision` to the requester's open stream receiving … (write tool, scripted model, pacing off):",
    "",
    "| set-up | rounds | `approval.decided` p50 / p95 / p99 (ms) | continued run's first event p50 / p95 / p99 (ms) | target p95 ≤ 150 ms |",
    "|---|---|---|---|---|",
    ...results.map(
      (r) =>
        `| ${r.setup} | ${r.iterations} | ${r.decided.map((v) => fmt(v)).join(" / ")} | ${r.continued.map((v) => fmt(v)).join(" / ")} | ${r.continued[1] <= APPROVAL_TARGET_P95_MS ? "PASS" : "MISS"} |`,
    ),
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const iterations = Number(process.argv[2] ?? 100);
  const which = process.argv[3];
  (async () => {
    const results: ApprovalBenchResult[] = [];
    if (which !== "replicas") results.push(await benchApprovals(iterations));
    if (which !== "single") results.push(await benchApprovalsReplicas(iterations));
    console.log(formatApprovals(results));
    process.exit(0);
  })().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}

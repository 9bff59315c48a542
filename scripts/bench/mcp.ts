/**
 * MCP tools/call overhead: throughput and latency of /api/mcp (Host/Origin check, JWT
 * verification, policy, rate limit, audit append in the database, result shaping) against a bare
 * MCP SDK stateless server with the same trivial read tool. Both on loopback, same process, same
 * load generator (autocannon), alternating rounds, bounded in count and time. Afterwards the audit
 * chain is verified and must hold one entry per call made to /api/mcp.
 *
 *   npm run -s bench -- mcp         (PGlite, then a scratch PostgreSQL database)
 *   npm run -s bench:mcp            (PGlite only)
 *   BENCH_MCP_CALLS=2000 BENCH_MCP_ROUNDS=4 BENCH_MCP_CONNECTIONS=8 BENCH_MCP_MAX_SECONDS=10 npm run -s bench:mcp
 *   BENCH_MCP_DATABASE_URL=postgres://…/scratch npm run -s bench:mcp   (audit rows in Postgres)
 *   BENCH_MCP_PROFILE_DIR=/tmp/prof npm run -s bench:mcp   (+ a CPU profile of one /api/mcp load)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import autocannon from "autocannon";
import { z } from "zod";
import type { ToolDefinition } from "@/mcp-server/catalog/types";
import { serve } from "../../tests/helpers/serve";

export interface LoadFigures {
  rps: number;
  p50: number;
  p99: number;
}

export interface McpBenchResult {
  ours: LoadFigures;
  bare: LoadFigures;
  /** ours.rps / bare.rps */
  ratio: number;
  /** ours − bare, per percentile (ms). */
  addedP50: number;
  addedP99: number;
  /** The target ratio for this database (issue 11: 0.6 on PGlite, 0.85 on PostgreSQL). */
  target: number;
  calls: number;
  rounds: number;
  connections: number;
  database: "pglite" | "postgres";
  /** verifyAuditChain() after the run; `expected` is every call made to /api/mcp. */
  audit: { ok: boolean; entries: number; expected: number };
  load: string;
}

export interface McpBenchOptions {
  /** Measured calls per server (default 2000), in `rounds` alternating rounds (default 4). */
  calls?: number;
  rounds?: number;
  /** Each load stops after `maxSeconds` (default 10) whatever its count. */
  maxSeconds?: number;
  /** Concurrent clients (default 8). */
  connections?: number;
  /** A disposable Postgres database for the audit rows; default an in-memory PGlite (embedded mode). */
  databaseUrl?: string;
  /** Writes a CPU profile of one extra /api/mcp load (not measured) to this directory. */
  profileDir?: string;
}

/** Issue 11, target 4: ours/bare throughput. */
export const MCP_TARGETS = { pglite: 0.6, postgres: 0.85 } as const;

const TOOL = "bench_echo";
const echoInput = z.object({ text: z.string().max(200) });

/** The same trivial read tool for both servers. */
const benchEcho: ToolDefinition = {
  name: TOOL,
  title: "Echo",
  description: "Returns its text (benchmark tool).",
  risk: "read",
  provider: "internal",
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  inputSchema: echoInput,
  outputSchema: z.object({ text: z.string() }),
  run: async (input) => ({ text: (input as z.infer<typeof echoInput>).text }),
};

const CALL_BODY = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "tools/call",
  params: { name: TOOL, arguments: { text: "hello" } },
});
const MCP_HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": "2025-11-25",
};

/** A bare SDK server: fresh McpServer and stateless transport per request, JSON responses (as ours). */
async function bareHandler(req: Request): Promise<Response> {
  const server = new McpServer({ name: "bare", version: "1.0.0" });
  server.registerTool(
    TOOL,
    { description: benchEcho.description, inputSchema: { text: z.string().max(200) } },
    async ({ text }) => ({
      content: [{ type: "text", text: JSON.stringify({ text }) }],
      structuredContent: { text },
    }),
  );
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  try {
    await server.connect(transport);
    return await transport.handleRequest(req);
  } finally {
    await server.close();
  }
}

/** One call through the real client path, to be sure the load below measures successes. */
async function assertCallWorks(url: string, headers: Record<string, string>): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: { ...MCP_HEADERS, ...headers },
    body: CALL_BODY,
  });
  const body = (await res.json()) as {
    result?: { isError?: boolean; structuredContent?: { text?: string } };
  };
  if (
    res.status !== 200 ||
    body.result?.isError ||
    body.result?.structuredContent?.text !== "hello"
  ) {
    throw new Error(
      `Benchmark call to ${url} failed: ${res.status} ${JSON.stringify(body).slice(0, 300)}`,
    );
  }
}

interface Sample {
  latencies: number[];
  seconds: number;
}

async function load(
  url: string,
  headers: Record<string, string>,
  amount: number,
  connections: number,
  maxSeconds: number,
): Promise<Sample> {
  const started = performance.now();
  let lastResponse = started;
  // autocannon's histogram keeps whole milliseconds; the per-response duration is hrtime-precise.
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method: "POST",
        headers: { ...MCP_HEADERS, ...headers },
        body: CALL_BODY,
        amount,
        connections,
      },
      (err, res) => {
        clearTimeout(stop);
        if (err) reject(err);
        else resolve(res);
      },
    );
    const stop = setTimeout(() => instance.stop(), maxSeconds * 1000);
    instance.on("response", (_client, _status, _bytes, responseTime: number) => {
      lastResponse = performance.now();
      latencies.push(responseTime);
    });
  });
  if (result.errors || result.non2xx || result.timeouts) {
    throw new Error(
      `Load on ${url}: ${result.errors} errors, ${result.non2xx} non-2xx, ${result.timeouts} timeouts`,
    );
  }
  // autocannon reports on a one-second tick, which would cap a 2,000-call run at ~1,000 calls/s;
  // time the run from the start to its last response instead.
  return { latencies, seconds: (lastResponse - started) / 1000 };
}

function figures(samples: Sample[]): LoadFigures {
  const all = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const at = (q: number) => all[Math.min(all.length - 1, Math.floor(q * all.length))] ?? NaN;
  const seconds = samples.reduce((t, s) => t + s.seconds, 0);
  return { rps: all.length / seconds, p50: at(0.5), p99: at(0.99) };
}

/** One extra load of /api/mcp under the V8 profiler (not part of the figures). */
async function profiled(dir: string, run: () => Promise<unknown>): Promise<void> {
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  await run();
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `mcp-${Date.now()}.cpuprofile`);
  fs.writeFileSync(file, JSON.stringify(profile));
  console.error(`CPU profile of /api/mcp: ${file}`);
}

export async function benchMcp(opts: McpBenchOptions = {}): Promise<McpBenchResult> {
  const calls = opts.calls ?? 2000;
  const rounds = opts.rounds ?? 4;
  const connections = opts.connections ?? 8;
  const maxSeconds = opts.maxSeconds ?? 10;
  const saved = { ...process.env };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fac-bench-mcp-"));
  const { resetConfig } = await import("@/lib/config");
  const { openDb, setDbHandle } = await import("@/lib/db/client");
  const { createMcpHandler } = await import("@/mcp-server/http");
  const { POLICY } = await import("@/mcp-server/policy");
  const { resetMcpCallLimiter } = await import("@/lib/limits/mcp");
  const { verifyAuditChain } = await import("@/lib/audit");

  const ours = createMcpHandler({ tools: [benchEcho], policy: { ...POLICY, allow: [TOOL] } });
  const oursServer = await serve(ours);
  const bareServer = await serve(bareHandler);
  // Embedded defaults (local IdP, in-memory PGlite) with a limit the load cannot reach.
  Object.assign(process.env, {
    APP_URL: oursServer.url,
    DATA_DIR: dataDir,
    MCP_RATE_LIMIT_PER_MINUTE: "1000000",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "silent",
  });
  resetConfig();
  resetMcpCallLimiter();
  const db = await openDb(
    opts.databaseUrl ? { kind: "postgres", url: opts.databaseUrl } : { kind: "pglite", dir: null },
  );
  setDbHandle(Promise.resolve(db));
  try {
    const { mintLocalAccessToken } = await import("@/lib/identity/local-idp/tokens");
    const auth = { authorization: `Bearer ${await mintLocalAccessToken({ username: "alice" })}` };
    const oursUrl = `${oursServer.url}/api/mcp`;
    const bareUrl = `${bareServer.url}/mcp`;
    await assertCallWorks(oursUrl, auth);
    await assertCallWorks(bareUrl, {});
    let oursCalls = 1;
    const loadOurs = async (amount: number) => {
      const sample = await load(oursUrl, auth, amount, connections, maxSeconds);
      oursCalls += sample.latencies.length;
      return sample;
    };
    // Warm both paths (JIT, key caches, PGlite) before measuring.
    await loadOurs(400);
    await load(bareUrl, {}, 400, connections, maxSeconds);
    // Alternating rounds, so drift in the machine's load falls on both servers alike.
    const perRound = Math.ceil(calls / rounds);
    const oursSamples: Sample[] = [];
    const bareSamples: Sample[] = [];
    for (let i = 0; i < rounds; i++) {
      oursSamples.push(await loadOurs(perRound));
      bareSamples.push(await load(bareUrl, {}, perRound, connections, maxSeconds));
    }
    if (opts.profileDir) await profiled(opts.profileDir, () => loadOurs(calls));
    // Every call above went through the audit; the chain must hold all of them, unbroken.
    const verdict = await verifyAuditChain();
    const oursFigures = figures(oursSamples);
    const bareFigures = figures(bareSamples);
    return {
      ours: oursFigures,
      bare: bareFigures,
      ratio: oursFigures.rps / bareFigures.rps,
      addedP50: oursFigures.p50 - bareFigures.p50,
      addedP99: oursFigures.p99 - bareFigures.p99,
      target: MCP_TARGETS[db.kind],
      calls: perRound * rounds,
      rounds,
      connections,
      database: db.kind,
      audit: { ok: verdict.ok, entries: verdict.rows, expected: oursCalls },
      load: os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" "),
    };
  } finally {
    await oursServer.close();
    await bareServer.close();
    setDbHandle(undefined);
    await db.close();
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    resetConfig();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export function formatMcp(r: McpBenchResult): string {
  const ms = (v: number) => v.toFixed(2);
  const row = (name: string, f: LoadFigures) =>
    `| ${name} | ${f.rps.toFixed(0)} | ${ms(f.p50)} | ${ms(f.p99)} |`;
  const pass = r.ratio >= r.target && r.audit.ok && r.audit.entries === r.audit.expected;
  const db = r.database === "pglite" ? "PGlite" : "PostgreSQL";
  const chain = r.audit.ok
    ? `yes (${r.audit.entries} entries${r.audit.entries === r.audit.expected ? "" : `, expected ${r.audit.expected}`})`
    : `NO (broken after ${r.audit.entries} entries)`;
  return [
    `\`npm run bench -- mcp\` — MCP tools/call governance overhead, audit in ${db}: target ours/bare ≥ ${r.target} — **${pass ? "PASS" : "MISS"}**`,
    "",
    `${r.calls} calls per server in ${r.rounds} alternating rounds, ${r.connections} concurrent clients, loopback; load average ${r.load}.`,
    "",
    "| server | calls/s | p50 ms | p99 ms |",
    "|---|---:|---:|---:|",
    row("/api/mcp (auth, policy, limit, idempotency, resilience, audit)", r.ours),
    row("bare MCP SDK, stateless", r.bare),
    `| **ours/bare ${r.ratio.toFixed(2)}** (target ≥ ${r.target}) | | added ${ms(r.addedP50)} | added ${ms(r.addedP99)} |`,
    "",
    `audit chain verified: ${chain}`,
  ].join("\n");
}

if (process.argv[1]?.replace(/\\/g, "/").endsWith("scripts/bench/mcp.ts")) {
  const env = process.env;
  const num = (v: string | undefined) => (v ? Number(v) : undefined);
  benchMcp({
    calls: num(env.BENCH_MCP_CALLS),
    rounds: num(env.BENCH_MCP_ROUNDS),
    connections: num(env.BENCH_MCP_CONNECTIONS),
    maxSeconds: num(env.BENCH_MCP_MAX_SECONDS),
    databaseUrl: env.BENCH_MCP_DATABASE_URL,
    profileDir: env.BENCH_MCP_PROFILE_DIR,
  }).then(
    (r) => {
      console.log(formatMcp(r));
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

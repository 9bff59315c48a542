/**
 * MCP tools/call overhead: throughput and latency of /api/mcp (Host/Origin check, JWT
 * verification, policy, rate limit, audit append in the database, result shaping) against a bare
 * MCP SDK stateless server with the same trivial read tool. Both on loopback, same process, same
 * load generator (autocannon), bounded in count and time.
 *
 *   npm run -s bench:mcp            (or: npm run -s bench -- mcp)
 *   BENCH_MCP_CALLS=2000 BENCH_MCP_CONNECTIONS=8 BENCH_MCP_MAX_SECONDS=10 npm run -s bench:mcp
 *   BENCH_MCP_DATABASE_URL=postgres://…/scratch npm run -s bench:mcp   (audit rows in Postgres)
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
  calls: number;
  connections: number;
  database: "pglite" | "postgres";
}

export interface McpBenchOptions {
  /** Calls per server (default 2000), stopped early after `maxSeconds` (default 10). */
  calls?: number;
  maxSeconds?: number;
  /** Concurrent clients (default 8). */
  connections?: number;
  /** A disposable Postgres database for the audit rows; default an in-memory PGlite (embedded mode). */
  databaseUrl?: string;
}

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

async function load(
  url: string,
  headers: Record<string, string>,
  amount: number,
  connections: number,
  maxSeconds: number,
): Promise<LoadFigures> {
  const started = performance.now();
  let lastResponse = started;
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
    instance.on("response", () => {
      lastResponse = performance.now();
    });
  });
  if (result.errors || result.non2xx || result.timeouts) {
    throw new Error(
      `Load on ${url}: ${result.errors} errors, ${result.non2xx} non-2xx, ${result.timeouts} timeouts`,
    );
  }
  // autocannon reports on a one-second tick, which would cap a 2,000-call run at ~1,000 calls/s;
  // time the run from the start to its last response instead.
  const seconds = (lastResponse - started) / 1000;
  return { rps: result.requests.total / seconds, p50: result.latency.p50, p99: result.latency.p99 };
}

export async function benchMcp(opts: McpBenchOptions = {}): Promise<McpBenchResult> {
  const calls = opts.calls ?? 2000;
  const connections = opts.connections ?? 8;
  const maxSeconds = opts.maxSeconds ?? 10;
  const saved = { ...process.env };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fac-bench-mcp-"));
  const { resetConfig } = await import("@/lib/config");
  const { openDb, setDbHandle } = await import("@/lib/db/client");
  const { createMcpHandler } = await import("@/mcp-server/http");
  const { POLICY } = await import("@/mcp-server/policy");
  const { resetMcpCallLimiter } = await import("@/lib/limits/mcp");

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
    // Warm both paths (JIT, key caches, PGlite) before measuring.
    await load(oursUrl, auth, 200, connections, maxSeconds);
    await load(bareUrl, {}, 200, connections, maxSeconds);
    const oursFigures = await load(oursUrl, auth, calls, connections, maxSeconds);
    const bareFigures = await load(bareUrl, {}, calls, connections, maxSeconds);
    return {
      ours: oursFigures,
      bare: bareFigures,
      ratio: oursFigures.rps / bareFigures.rps,
      calls,
      connections,
      database: db.kind,
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
  const row = (name: string, f: LoadFigures) =>
    `| ${name} | ${f.rps.toFixed(0)} | ${f.p50.toFixed(2)} | ${f.p99.toFixed(2)} |`;
  return [
    `## MCP tools/call (${r.calls} calls per server, ${r.connections} concurrent clients, loopback, audit in ${r.database})`,
    "",
    "| server | calls/s | p50 ms | p99 ms |",
    "|---|---:|---:|---:|",
    row("/api/mcp (auth, policy, limit, audit)", r.ours),
    row("bare MCP SDK, stateless", r.bare),
    "",
    `Throughput ratio ours/bare: ${r.ratio.toFixed(2)}`,
  ].join("\n");
}

if (process.argv[1]?.replace(/\\/g, "/").endsWith("scripts/bench/mcp.ts")) {
  const env = process.env;
  benchMcp({
    calls: env.BENCH_MCP_CALLS ? Number(env.BENCH_MCP_CALLS) : undefined,
    connections: env.BENCH_MCP_CONNECTIONS ? Number(env.BENCH_MCP_CONNECTIONS) : undefined,
    maxSeconds: env.BENCH_MCP_MAX_SECONDS ? Number(env.BENCH_MCP_MAX_SECONDS) : undefined,
    databaseUrl: env.BENCH_MCP_DATABASE_URL,
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

/**
 * The app for memory benchmarks, in its own process so the load generator's memory is not
 * counted: the real route handlers on 127.0.0.1 (the test router, as tests/helpers/replica-main.ts
 * serves them) with the configuration in the environment, plus a control port on loopback that
 * mints demo users' tokens, grants their consent and reports the process's memory and gauges.
 * Prints `READY <app url> <control url>`; SIGTERM stops it. Run with --expose-gc so `/stats?gc=1`
 * measures live memory rather than garbage waiting for collection.
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { stopApprovalSweep } from "@/lib/approvals/expiry";
import { getBus } from "@/lib/bus";
import { drainRuns } from "@/lib/chat/run-driver";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { startServer } from "@/lib/startup";
import { metrics } from "@/lib/telemetry/metrics";
import { appHandler } from "../../tests/helpers/app";
import { grantConsentDirectly, type DemoUserName } from "../../tests/helpers/consent";
import { serve } from "../../tests/helpers/serve";

const USERS: DemoUserName[] = ["alice", "bob", "carol", "dana"];

export interface ServerStats {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Resident part of the C allocator's main heap (the `[heap]` mapping): native memory. */
  mallocHeap: number;
  /** Sum over labels of every `fac_` gauge. */
  gauges: Record<string, number>;
  /** Live libuv resources by kind (`Timeout`, `TCPSocketWrap`…): counted independently of our gauges. */
  resources: Record<string, number>;
}

async function stats(gc: boolean): Promise<ServerStats> {
  if (gc) {
    // A memory-reducing full collection (what V8 does on its own when memory is short): it also
    // returns the freed pages to the system, which a plain gc() leaves committed.
    const collect = (globalThis as { gc?: (opts: object) => void }).gc;
    for (let i = 0; i < 3 && collect; i++) {
      collect({ type: "major", execution: "sync", flavor: "last-resort" });
      await new Promise((r) => setImmediate(r));
    }
  }
  const gauges: Record<string, number> = {};
  for (const m of await metrics().registry.getMetricsAsJSON()) {
    if (String(m.type) !== "gauge" || !m.name.startsWith("fac_")) continue;
    gauges[m.name] = m.values.reduce((sum, v) => sum + v.value, 0);
  }
  const resources: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) resources[kind] = (resources[kind] ?? 0) + 1;
  const mem = process.memoryUsage();
  const smaps = fs.readFileSync("/proc/self/smaps", "utf8");
  const heap = /\[heap\]\n(?:.*\n)*?Rss:\s+(\d+) kB/.exec(smaps);
  return {
    rss: mem.rss,
    heapUsed: mem.heapUsed,
    heapTotal: mem.heapTotal,
    external: mem.external,
    arrayBuffers: mem.arrayBuffers,
    mallocHeap: heap ? Number(heap[1]) * 1024 : NaN,
    gauges,
    resources,
  };
}

async function control(req: http.IncomingMessage): Promise<unknown> {
  const url = new URL(req.url ?? "/", "http://control");
  if (url.pathname === "/tokens") {
    const tokens: Record<string, string> = {};
    for (const user of USERS) {
      await grantConsentDirectly(user);
      tokens[user] = await mintLocalAccessToken({ username: user, ttlSeconds: 3600 });
    }
    return tokens;
  }
  if (url.pathname === "/stats") return stats(url.searchParams.get("gc") === "1");
  throw new Error(`unknown control path ${url.pathname}`);
}

async function main() {
  const app = await serve(appHandler);
  process.env.APP_URL = app.url;
  await startServer();
  const ctl = http.createServer((req, res) => {
    control(req).then(
      (body) =>
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body)),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  await new Promise<void>((resolve) => ctl.listen(0, "127.0.0.1", resolve));
  const { port } = ctl.address() as AddressInfo;
  process.stdout.write(`READY ${app.url} http://127.0.0.1:${port}\n`);
  process.once("SIGTERM", () => {
    void (async () => {
      stopApprovalSweep();
      await Promise.race([drainRuns(), new Promise((r) => setTimeout(r, 3000))]);
      ctl.close();
      await app.close();
      await getBus().close();
      process.exit(0);
    })();
  });
}

void main().catch((err: unknown) => {
  process.stderr.write(`bench app server failed: ${String(err)}\n`);
  process.exit(1);
});

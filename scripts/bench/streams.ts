/**
 * Idle and abrupt streams: many concurrent subscribers of `GET /api/conversations/:id/events` on
 * one production-mode instance (its own process, scratch PostgreSQL, in-process bus), a few runs
 * streaming to some of them, then every socket destroyed without a clean close. Measures the
 * server's extra RSS, checks that every subscriber of a running conversation got every event
 * once and in order, and that after the disconnects no stream, subscription, timer or upstream
 * reader is left and RSS is back near the baseline.
 *
 *   npm run -s bench -- streams            # 10,000 subscribers over 1,000 conversations, 50 runs
 *   npx tsx scripts/bench/streams.ts 2000 200 10
 */
import { spawn, type ChildProcess } from "node:child_process";
import { build } from "esbuild";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { createScratchDatabase } from "../../tests/helpers/postgres";
import type { ServerStats } from "./app-server";

const PROMPT = "Please give me a long answer";
const TERMINAL = new Set(["run.completed", "run.failed", "run.cancelled"]);
const MB = 2 ** 20;
/** Gauges that must be back to their baseline (no stream, hub or run: 0) once every client is gone. */
const LEAK_GAUGES = [
  "fac_sse_connections",
  "fac_sse_fanout_hubs",
  "fac_bus_subscriptions",
  "fac_sse_heartbeat_timers",
  "fac_chat_runs_active",
];

export interface StreamsBenchOptions {
  subscribers?: number;
  conversations?: number;
  runs?: number;
  pacingMs?: number;
}

export interface StreamsBenchResult {
  subscribers: number;
  conversations: number;
  runs: number;
  openSeconds: number;
  baselineRss: number;
  /** V8 heap in use: baseline, all idle, after the disconnects (each after GC). */
  heap: [number, number, number];
  /** Resident C-allocator heap: baseline, all idle, runs done (all still open), after disconnects. */
  mallocHeap: [number, number, number, number];
  idleRss: number;
  peakRss: number;
  afterRss: number;
  /** RSS after a second identical cycle (GC). */
  afterSecondRss: number;
  heapAfterSecond: number;
  gaugesAfterSecond: Record<string, number>;
  activeSubscribers: number;
  eventsPerRun: number;
  /** Subscribers of a running conversation whose events were not exactly 1..terminal, in order. */
  badSubscribers: number;
  gaugesBaseline: Record<string, number>;
  gaugesOpen: Record<string, number>;
  gaugesAfter: Record<string, number>;
  timersBaseline: number;
  timersOpen: number;
  timersAfter: number;
  socketsAfter: number;
  socketsBaseline: number;
  load: string;
}

interface Subscriber {
  req: http.ClientRequest;
  socket?: import("node:net").Socket;
  seqs?: number[];
  done?: boolean;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256 });

const ROOT = path.join(import.meta.dirname, "..", "..");

/**
 * The server compiled as production code is (one bundle, no per-function name wrappers that tsx
 * adds to every closure): node_modules stay external and resolve from the project.
 */
async function bundleServer(): Promise<string> {
  const outfile = path.join(ROOT, "node_modules", ".cache", "fac-bench", "app-server.mjs");
  await build({
    entryPoints: [path.join(import.meta.dirname, "app-server.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    packages: "external",
    tsconfig: path.join(ROOT, "tsconfig.json"),
    logLevel: "warning",
  });
  return outfile;
}

async function startServer(env: Record<string, string>): Promise<{
  app: string;
  control: string;
  child: ChildProcess;
}> {
  const script = await bundleServer();
  const child = spawn(process.execPath, ["--expose-gc", script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 90_000);
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+) (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ app: m[1]!, control: m[2]!, child });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}): ${stderr}`));
    });
  });
}

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

/**
 * Opens one SSE subscriber on a raw socket; resolves once the first frame arrived. With `track`
 * it records the ids of the events it receives (the others only drain their socket).
 */
function subscribe(url: string, token: string, track: boolean): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const sub: Subscriber = {} as Subscriber;
    sub.req = http.get(
      url,
      { agent, headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" } },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`SSE HTTP ${res.statusCode}`));
          res.resume();
          return;
        }
        sub.socket = res.socket;
        let rest = "";
        if (track) sub.seqs = [];
        let opened = false;
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (!opened) {
            opened = true;
            resolve(sub);
          }
          if (!track) return;
          const text = rest + chunk;
          const cut = text.lastIndexOf("\n");
          rest = text.slice(cut + 1);
          for (const line of text.slice(0, cut).split("\n")) {
            if (line.startsWith("id: ")) sub.seqs!.push(Number(line.slice(4)));
            else if (line.startsWith("event: ") && TERMINAL.has(line.slice(7))) sub.done = true;
          }
        });
        res.on("error", () => undefined);
      },
    );
    sub.req.on("error", (err) => reject(err));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function benchStreams(opts: StreamsBenchOptions = {}): Promise<StreamsBenchResult> {
  const subscribers = opts.subscribers ?? 10_000;
  const conversations = opts.conversations ?? 1_000;
  // Two cycles, each on fresh conversations (and one of every ten thousand never runs).
  const runs = Math.min(opts.runs ?? 50, Math.floor((conversations - 1) / 2));
  const db = await createScratchDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fac-bench-streams-"));
  const perUser = Math.ceil(subscribers / 4) + 10;
  const server = await startServer({
    NODE_ENV: "production",
    ALLOW_LOCAL_IDENTITY_IN_PRODUCTION: "true",
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    LOG_LEVEL: "silent",
    LOCAL_MODEL_PACING_MS: String(opts.pacingMs ?? 20),
    CHAT_MESSAGES_PER_MINUTE: "100000",
    SSE_STREAMS_PER_USER: String(Math.min(10_000, perUser)),
  });
  const stats = (gc = false) => getJson<ServerStats>(`${server.control}/stats${gc ? "?gc=1" : ""}`);
  const all: Subscriber[] = [];
  try {
    const tokens = Object.values(await getJson<Record<string, string>>(`${server.control}/tokens`));
    const auth = (i: number) => ({ authorization: `Bearer ${tokens[i % tokens.length]}` });
    const ids: string[] = [];
    await pool(
      Array.from({ length: conversations }, (_, i) => i),
      16,
      async (i) => {
        const { id } = await getJson<{ id: string }>(`${server.app}/api/conversations`, {
          method: "POST",
          headers: { ...auth(i), "content-type": "application/json" },
          body: "{}",
        });
        ids[i] = id;
      },
    );
    const eventsUrl = (i: number) => `${server.app}/api/conversations/${ids[i]}/events`;
    const startRun = (i: number) =>
      getJson(`${server.app}/api/conversations/${ids[i]}/messages`, {
        method: "POST",
        headers: { ...auth(i), "content-type": "application/json" },
        body: JSON.stringify({ text: PROMPT }),
      });

    // Warm-up: the same number of runs at once, each on a conversation of its own with a few
    // subscribers, twice — so JIT, pools (database, agent service connections) and caches are at
    // their working size before the baseline, and what is left after the disconnects is the
    // subscribers' doing.
    for (let round = 0; round < 2; round++) {
      const warm = await Promise.all(
        Array.from({ length: runs }, (_, k) =>
          getJson<{ id: string }>(`${server.app}/api/conversations`, {
            method: "POST",
            headers: { ...auth(k), "content-type": "application/json" },
            body: "{}",
          }),
        ),
      );
      const subs = await Promise.all(
        warm.flatMap(({ id }, k) =>
          [0, 1].map(() =>
            subscribe(
              `${server.app}/api/conversations/${id}/events`,
              tokens[k % tokens.length]!,
              true,
            ),
          ),
        ),
      );
      await Promise.all(
        warm.map(({ id }, k) =>
          getJson(`${server.app}/api/conversations/${id}/messages`, {
            method: "POST",
            headers: { ...auth(k), "content-type": "application/json" },
            body: JSON.stringify({ text: PROMPT }),
          }),
        ),
      );
      const until = Date.now() + 60_000;
      while (subs.some((s) => !s.done) && Date.now() < until) await sleep(100);
      for (const s of subs) s.socket?.destroy();
    }
    await sleep(2000);
    const baseline = await stats(true);

    /**
     * One cycle on conversations first+1..first+runs: open every subscriber, run, check, then
     * destroy every socket and wait (bounded) for the gauges to return to the baseline.
     */
    const cycle = async (first: number) => {
      // Subscribers: conversation i % conversations, so each has subscribers / conversations.
      const active = (c: number) => c > first && c <= first + runs;
      const t0 = performance.now();
      await pool(
        Array.from({ length: subscribers }, (_, i) => i),
        64,
        async (i) => {
          const c = i % conversations;
          const sub = await subscribe(eventsUrl(c), tokens[c % tokens.length]!, active(c));
          all.push(Object.assign(sub, { c }));
        },
      );
      const openSeconds = (performance.now() - t0) / 1000;
      await sleep(1000);
      const idle = await stats(true);

      // The runs, sampled for peak RSS while they stream.
      let peakRss = idle.rss;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          peakRss = Math.max(peakRss, (await stats()).rss);
          await sleep(200);
        }
      })();
      await Promise.all(Array.from({ length: runs }, (_, k) => startRun(first + 1 + k)));
      const tracked = all.filter((s) => s.seqs);
      const deadline = Date.now() + 90_000;
      while (tracked.some((s) => !s.done) && Date.now() < deadline) await sleep(100);
      sampling = false;
      await sampler;
      const open = await stats(true);

      // Every tracked subscriber: ids 1..n, consecutive, the same n as the others of its run.
      const byConversation = new Map<number, number>();
      let bad = 0;
      for (const s of tracked as (Subscriber & { c: number })[]) {
        const seqs = s.seqs!;
        const ok = s.done && seqs.length > 0 && seqs.every((seq, i) => seq === i + 1);
        const n = byConversation.get(s.c) ?? seqs.length;
        byConversation.set(s.c, n);
        if (!ok || n !== seqs.length) bad++;
      }
      const lengths = [...byConversation.values()].sort((a, b) => a - b);

      // Abrupt disconnects: every socket destroyed, no FIN-then-wait, no request abort.
      for (const s of all.splice(0)) s.socket?.destroy();
      let after = await stats();
      const until = Date.now() + 20_000;
      const leaking = (s: ServerStats) =>
        LEAK_GAUGES.some((g) => (s.gauges[g] ?? 0) !== (baseline.gauges[g] ?? 0));
      while (Date.now() < until && leaking(after)) {
        await sleep(250);
        after = await stats();
      }
      await sleep(1000);
      after = await stats(true);
      return { openSeconds, idle, peakRss, open, tracked, bad, lengths, after };
    };
    const one = await cycle(0);
    // A second identical cycle: memory that keeps growing is a leak; memory the first cycle took
    // and the second reuses is the allocators' high-water mark.
    const two = await cycle(runs);
    const { openSeconds, idle, open, tracked, lengths, after } = one;
    const peakRss = Math.max(one.peakRss, two.peakRss);
    const bad = one.bad + two.bad;
    agent.destroy();
    const pick = (s: ServerStats) =>
      Object.fromEntries(LEAK_GAUGES.map((g) => [g, s.gauges[g] ?? NaN]));
    return {
      subscribers,
      conversations,
      runs,
      openSeconds,
      baselineRss: baseline.rss,
      heap: [baseline.heapUsed, idle.heapUsed, after.heapUsed],
      mallocHeap: [baseline.mallocHeap, idle.mallocHeap, open.mallocHeap, after.mallocHeap],
      idleRss: idle.rss,
      peakRss,
      afterRss: after.rss,
      afterSecondRss: two.after.rss,
      heapAfterSecond: two.after.heapUsed,
      gaugesAfterSecond: pick(two.after),
      activeSubscribers: tracked.length,
      eventsPerRun: lengths[Math.floor(lengths.length / 2)] ?? 0,
      badSubscribers: bad,
      gaugesBaseline: pick(baseline),
      gaugesOpen: pick(open),
      gaugesAfter: pick(after),
      timersBaseline: baseline.resources.Timeout ?? 0,
      timersOpen: open.resources.Timeout ?? 0,
      timersAfter: after.resources.Timeout ?? 0,
      socketsBaseline: baseline.resources.TCPSocketWrap ?? 0,
      socketsAfter: after.resources.TCPSocketWrap ?? 0,
      load: os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" "),
    };
  } finally {
    for (const s of all) s.socket?.destroy();
    agent.destroy();
    await new Promise<void>((resolve) => {
      if (server.child.exitCode !== null) return resolve();
      const kill = setTimeout(() => server.child.kill("SIGKILL"), 8000);
      server.child.once("exit", () => {
        clearTimeout(kill);
        resolve();
      });
      server.child.kill("SIGTERM");
    });
    await db.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export function formatStreams(r: StreamsBenchResult): string {
  const extra = (r.peakRss - r.baselineRss) / MB;
  const back = (r.afterRss - r.baselineRss) / r.baselineRss;
  const back2 = (r.afterSecondRss - r.baselineRss) / r.baselineRss;
  const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)} %`;
  const leaks = [r.gaugesAfter, r.gaugesAfterSecond].flatMap((g) =>
    Object.entries(g).filter(([k, v]) => v !== r.gaugesBaseline[k]),
  );
  const memOk = extra <= 1024;
  const lossOk = r.badSubscribers === 0 && r.activeSubscribers > 0;
  const leakOk = leaks.length === 0 && r.timersAfter <= r.timersBaseline;
  const backOk = back <= 0.1;
  const verdict = memOk && lossOk && leakOk && backOk ? "PASS" : "MISS";
  const g = (o: Record<string, number>) =>
    Object.entries(o)
      .map(([k, v]) => `${k.replace(/^fac_/, "")}=${v}`)
      .join(", ");
  return [
    `\`npm run -s bench -- streams\` — target: ${r.subscribers.toLocaleString("en")} SSE subscribers over ${r.conversations.toLocaleString("en")} conversations with ${r.runs} runs: extra RSS ≤ 1 GB, no lost events; after abrupt disconnects nothing leaked and RSS within 10 % of baseline — **${verdict}** (load ${r.load})`,
    "",
    "| measure | value | target | result |",
    "|---|---|---|---|",
    `| server RSS baseline (after warm-up, GC) | ${(r.baselineRss / MB).toFixed(0)} MB | — | — |`,
    `| RSS with all subscribers idle (GC) | +${((r.idleRss - r.baselineRss) / MB).toFixed(0)} MB (${((r.idleRss - r.baselineRss) / r.subscribers / 1024).toFixed(1)} KB/subscriber) | — | — |`,
    `| V8 heap used (GC): baseline / all idle / after disconnects | ${r.heap.map((h) => (h / MB).toFixed(0)).join(" / ")} MB | — | — |`,
    `| C allocator heap resident: baseline / all idle / runs done / after disconnects | ${r.mallocHeap.map((h) => (h / MB).toFixed(0)).join(" / ")} MB | — | — |`,
    `| peak extra RSS while ${r.runs} runs stream | ${extra.toFixed(0)} MB | ≤ 1024 MB | ${memOk ? "PASS" : "MISS"} |`,
    `| subscribers opened in | ${r.openSeconds.toFixed(1)} s | — | — |`,
    `| subscribers of running conversations with every event once, in order | ${r.activeSubscribers - r.badSubscribers} / ${r.activeSubscribers} (${r.eventsPerRun} events/run) | all | ${lossOk ? "PASS" : "MISS"} |`,
    `| gauges at baseline | ${g(r.gaugesBaseline)}; timers ${r.timersBaseline} | — | — |`,
    `| gauges with all open (before disconnects) | ${g(r.gaugesOpen)}; timers ${r.timersOpen} | — | — |`,
    `| gauges after abrupt disconnects | ${g(r.gaugesAfter)}; timers ${r.timersAfter} (baseline ${r.timersBaseline}); sockets ${r.socketsAfter} (baseline ${r.socketsBaseline}) | = baseline, timers ≤ baseline | ${leakOk ? "PASS" : "MISS"} |`,
    `| RSS after disconnects (GC) vs baseline | ${(r.afterRss / MB).toFixed(0)} MB (${pct(back)}) | ≤ +10 % | ${backOk ? "PASS" : "MISS"} |`,
    `| after a second identical cycle (leak check: growth = leak, none = allocator high-water mark) | RSS ${(r.afterSecondRss / MB).toFixed(0)} MB (${pct(back2)}), V8 heap ${(r.heapAfterSecond / MB).toFixed(0)} MB; ${g(r.gaugesAfterSecond)} | — | — |`,
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [subscribers, conversations, runs] = process.argv.slice(2).map(Number);
  benchStreams({ subscribers, conversations, runs }).then(
    (r) => {
      console.log(formatStreams(r));
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

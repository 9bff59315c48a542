/**
 * Many conversations (issue 11, target 2): N runs at once, each streaming the scripted model's
 * ~100-chunk answer, each with its own client on `GET /api/conversations/:id/events`.
 *
 * Processes: this one runs the app (the real route handlers on loopback, PGlite or a scratch
 * PostgreSQL database) and the N SSE clients; the local agent service (scripted model, its own
 * PGlite and `/api/mcp`) runs in a child process (upstream-child.ts), which the app reaches as its
 * agent-service endpoint. Measured over the window from the first POST to the last run's ending:
 * relayed events/s (all SSE events the clients received ÷ window), the relay latency (b) of every
 * upstream-produced event (see relay.ts), lost/duplicated/out-of-order events per stream, whether
 * each stream's text equals the model's, and this process's CPU (process.cpuUsage: app + the
 * bench's own SSE clients) per 1,000 events.
 *
 *   npm run -s bench -- scale
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { startTestApp } from "../../tests/helpers/app";
import {
  createConversation,
  openEvents,
  quantiles,
  RelayClock,
  sendMessage,
  type Quantiles,
  type SseEvent,
} from "./relay";
import { fmt } from "./stats";

const TARGET_EVENTS_PER_S = 10_000;

export interface ScaleBenchResult {
  runs: number;
  pacingMs: number;
  database: string;
  events: number;
  windowMs: number;
  eventsPerSecond: number;
  relay: Quantiles;
  /** Streams with a gap, a duplicate or an out-of-order id. */
  badSequences: number;
  /** Streams whose text differs from the model's (or that did not complete). */
  badTexts: number;
  cpuMsPer1000: number;
  upstreamCpuMsPer1000: number;
}

/** Starts the agent service in a child process; resolves with its URL and a CPU probe. */
async function startUpstream(dataDir: string, pacingMs: number) {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [
      ...process.execArgv,
      path.join(path.dirname(fileURLToPath(import.meta.url)), "upstream-child.ts"),
    ],
    {
      env: { ...process.env, DATA_DIR: dataDir, LOCAL_MODEL_PACING_MS: String(pacingMs) },
      stdio: "pipe",
    },
  );
  child.stderr.pipe(process.stderr);
  const lines = readline.createInterface({ input: child.stdout });
  const replies: ((v: Record<string, unknown>) => void)[] = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const first = new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`agent service exited (${code})`)));
    lines.on("line", (line) => {
      if (!line.startsWith("{")) return;
      const msg = JSON.parse(line) as Record<string, unknown>;
      if (typeof msg.url === "string") resolve(msg.url);
      else replies.shift()?.(msg);
    });
  });
  const url = await first;
  return {
    url,
    cpuMs: () =>
      new Promise<number>((resolve) => {
        replies.push((m) => {
          const cpu = m.cpu as NodeJS.CpuUsage;
          resolve((cpu.user + cpu.system) / 1000);
        });
        child.stdin.write("cpu\n");
      }),
    stop: async () => {
      child.stdin.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

interface StreamCheck {
  seqOk: boolean;
  text: string;
  completed: boolean;
  events: number;
}

/** Reads one run's events; checks the ids are 1, 2, 3, … and collects the streamed text. */
function checker(onEvent: (e: SseEvent) => void) {
  const check: StreamCheck = { seqOk: true, text: "", completed: false, events: 0 };
  let last = 0;
  return {
    check,
    onEvent: (e: SseEvent) => {
      check.events++;
      if (e.seq !== last + 1) check.seqOk = false;
      last = e.seq;
      if (e.type === "text.delta") check.text += (JSON.parse(e.data) as TextData).data.delta;
      if (e.type === "run.completed") check.completed = true;
      onEvent(e);
    },
  };
}
type TextData = { data: { delta: string } };

export async function benchScale(
  opts: { runs?: number; pacingMs?: number; databaseUrl?: string } = {},
): Promise<ScaleBenchResult> {
  const runs = opts.runs ?? 200;
  const pacingMs = opts.pacingMs ?? 10;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fac-scale-"));
  const upstream = await startUpstream(dataDir, pacingMs);
  const relay = new RelayClock();
  let app: Awaited<ReturnType<typeof startTestApp>> | undefined;
  try {
    app = await startTestApp({
      // The app's agent-service endpoint is `${APP_URL}/local-foundry`: the child's.
      APP_URL: upstream.url,
      DATA_DIR: dataDir,
      LOG_LEVEL: "silent",
      CHAT_MESSAGES_PER_MINUTE: "100000",
      SSE_STREAMS_PER_USER: "10000",
      ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    });
    const base = app.url;
    const token = await mintLocalAccessToken({ username: "alice" });

    // The model's text for the prompt, from one warm-up run (the scripted model is deterministic).
    const warm = await createConversation(base, token);
    const warmEvents = await openEvents(base, token, warm);
    const reference = checker(() => undefined);
    await sendMessage(base, token, warm);
    await warmEvents.untilRunEnds(reference.onEvent);
    warmEvents.close();
    if (!reference.check.completed || !reference.check.text)
      throw new Error("the warm-up run did not complete");

    const ids = await Promise.all(
      Array.from({ length: runs }, () => createConversation(base, token)),
    );
    const streams = await Promise.all(ids.map((id) => openEvents(base, token, id)));
    const latencies: number[] = [];
    const checks: StreamCheck[] = [];
    const cpu0 = process.cpuUsage();
    const upstreamCpu0 = await upstream.cpuMs();
    const t0 = performance.now();
    await Promise.all(
      ids.map(async (id, i) => {
        const c = checker((e) => {
          const ms = relay.latency(id, e.seq, e.arrivedAt);
          if (ms !== undefined) latencies.push(ms);
        });
        checks.push(c.check);
        const ended = streams[i]!.untilRunEnds(c.onEvent);
        await sendMessage(base, token, id);
        await ended;
      }),
    );
    const windowMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const upstreamCpuMs = (await upstream.cpuMs()) - upstreamCpu0;
    for (const s of streams) s.close();
    const events = checks.reduce((n, c) => n + c.events, 0);
    return {
      runs,
      pacingMs,
      database: opts.databaseUrl ? "PostgreSQL" : "PGlite",
      events,
      windowMs,
      eventsPerSecond: (events / windowMs) * 1000,
      relay: quantiles(latencies),
      badSequences: checks.filter((c) => !c.seqOk).length,
      badTexts: checks.filter((c) => !c.completed || c.text !== reference.check.text).length,
      cpuMsPer1000: (((cpu.user + cpu.system) / 1000) * 1000) / events,
      upstreamCpuMsPer1000: (upstreamCpuMs * 1000) / events,
    };
  } finally {
    relay.close();
    await app?.close();
    await upstream.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export function formatScale(r: ScaleBenchResult): string {
  const ok =
    r.eventsPerSecond >= TARGET_EVENTS_PER_S &&
    r.badSequences === 0 &&
    r.badTexts === 0 &&
    r.database === "PostgreSQL";
  const verdict =
    r.database === "PostgreSQL"
      ? `target ≥ ${TARGET_EVENTS_PER_S.toLocaleString("en")} events/s with no lost or duplicated event: ${ok ? "PASS" : "MISS"}`
      : `reported (the target is on PostgreSQL); no lost or duplicated event: ${r.badSequences + r.badTexts === 0 ? "PASS" : "MISS"}`;
  return [
    `\`npm run bench -- scale\` — ${r.database}, ${r.runs} concurrent runs × ~100-chunk answers, model pacing ${r.pacingMs} ms, agent service in a child process; ${verdict}.`,
    "",
    "| database | events relayed | window (s) | events/s | relay (b) p50 (ms) | p95 (ms) | p99 (ms) | streams with gaps/dups | streams with wrong text | app CPU ms / 1,000 events | agent service CPU ms / 1,000 events |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    `| ${r.database} | ${r.events} | ${fmt(r.windowMs / 1000)} | ${Math.round(r.eventsPerSecond)} | ${fmt(r.relay.p50)} | ${fmt(r.relay.p95)} | ${fmt(r.relay.p99)} | ${r.badSequences} | ${r.badTexts} | ${fmt(r.cpuMsPer1000, 1)} | ${fmt(r.upstreamCpuMsPer1000, 1)} |`,
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchScale({
    runs: Number(process.argv[2] ?? 200),
    databaseUrl: process.env.BENCH_SCALE_DATABASE_URL,
  }).then(
    (r) => {
      console.log(formatScale(r));
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

import { metrics } from "@/lib/telemetry/metrics";

const HEARTBEAT_MS = 15_000;
/** One SSE comment, encoded once and written to every stream. */
const KEEP_ALIVE = new TextEncoder().encode(": keep-alive\n\n");

const KEY = Symbol.for("foundry-agent-chat.sse-heartbeat");
/** A stream that can be written to. */
export interface Beating {
  write(bytes: Uint8Array): void;
}
type Beats = { streams: Set<Beating>; timer?: NodeJS.Timeout };
type Holder = { [KEY]?: Beats };

function beats(): Beats {
  const g = globalThis as Holder;
  g[KEY] ??= { streams: new Set() };
  return g[KEY];
}

/**
 * Keeps idle event streams alive through proxies that drop silent connections. One timer for the
 * whole process, running only while a stream is open: a timer per stream cost each of thousands of
 * idle subscribers its own Timeout and closure (docs/PERFORMANCE.md, "Idle and abrupt streams").
 * `stopKeepAlive` ends it for the stream (safe to call more than once).
 */
export function keepAlive(stream: Beating): void {
  const b = beats();
  b.streams.add(stream);
  if (!b.timer) {
    b.timer = setInterval(() => {
      for (const open of b.streams) open.write(KEEP_ALIVE);
    }, HEARTBEAT_MS);
    // The beat alone must not keep a process alive that is otherwise done.
    b.timer.unref();
    metrics().sseHeartbeatTimers.set(1);
  }
}

export function stopKeepAlive(stream: Beating): void {
  const b = beats();
  if (!b.streams.delete(stream) || b.streams.size > 0 || !b.timer) return;
  clearInterval(b.timer);
  b.timer = undefined;
  metrics().sseHeartbeatTimers.set(0);
}

import { metrics } from "@/lib/telemetry/metrics";

const HEARTBEAT_MS = 15_000;
/** One SSE comment, encoded once and written to every stream. */
const KEEP_ALIVE = new TextEncoder().encode(": keep-alive\n\n");

const KEY = Symbol.for("foundry-agent-chat.sse-heartbeat");
type Beats = { streams: Set<(bytes: Uint8Array) => void>; timer?: NodeJS.Timeout };
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
 * Returns the function that stops beating for this stream (safe to call more than once).
 */
export function keepAlive(write: (bytes: Uint8Array) => void): () => void {
  const b = beats();
  b.streams.add(write);
  if (!b.timer) {
    b.timer = setInterval(() => {
      for (const send of b.streams) send(KEEP_ALIVE);
    }, HEARTBEAT_MS);
    // The beat alone must not keep a process alive that is otherwise done.
    b.timer.unref();
    metrics().sseHeartbeatTimers.set(1);
  }
  return () => {
    if (!b.streams.delete(write) || b.streams.size > 0 || !b.timer) return;
    clearInterval(b.timer);
    b.timer = undefined;
    metrics().sseHeartbeatTimers.set(0);
  };
}

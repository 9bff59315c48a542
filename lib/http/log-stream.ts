import { metrics } from "@/lib/telemetry/metrics";
import { keepAlive } from "./heartbeat";
import { joinHub, PAGE, type HubMembership, type LogSource } from "./log-hub";

const encoder = new TextEncoder();
const RETRY = encoder.encode("retry: 2000\n\n");

export interface LogStreamOptions<E extends { seq: number }> extends LogSource<E> {
  /** Bus channel that announces new entries. */
  channel: string;
  after: number;
  signal: AbortSignal;
  /**
   * The SSE frame of an entry, or null to skip it (e.g. not visible to this reader). Readers of
   * one channel receive the same entry objects, so a frame that depends only on the entry can be
   * encoded once for all of them (see sseFrameBytes).
   */
  frame(entry: E): Uint8Array | string | null;
  /** Called once when the stream ends, however it ends (client gone, error, cancel). */
  onClose?: () => void;
}

/**
 * An SSE stream over a durable, gap-free numbered log: replays after `after`, then tails live
 * entries from the channel's shared hub (lib/http/log-hub.ts). It joins the hub before replaying
 * and only ever advances to `seq = last + 1`; anything else (a gap from another writer, an entry
 * that raced the replay, a bare "poke") is filled from the log by this reader. So a reconnect with
 * Last-Event-ID sees every entry exactly once, in order.
 *
 * Per stream this holds only its position, a small backlog while it reads the log, and its place
 * in the hub and in the shared heartbeat: no bus subscription, timer or loop of its own.
 */
export function logEventStream<E extends { seq: number }>(
  opts: LogStreamOptions<E>,
): ReadableStream<Uint8Array> {
  const { signal } = opts;
  // The open-streams gauge, by the channel's kind ("conversation", "approvals"), never its id.
  const open = metrics().sseConnections.labels({ stream: opts.channel.split(":")[0]! });
  let last = opts.after;
  /** Deliveries that arrived while this reader was reading the log itself. */
  let backlog: (readonly E[] | null)[] | undefined = [];
  let membership: HubMembership | undefined;
  let stopBeat: (() => void) | undefined;
  let ended = false;
  let onClose = opts.onClose;
  let controller!: ReadableStreamDefaultController<Uint8Array>;

  const write = (bytes: Uint8Array) => {
    try {
      controller.enqueue(bytes);
    } catch {
      // The client went away; end() tidies up.
    }
  };
  /** Sends the entries that continue this reader's log; false on a gap or a bare poke. */
  const take = (entries: readonly E[] | null): boolean => {
    if (entries === null) return false;
    for (const e of entries) {
      if (e.seq <= last) continue;
      if (e.seq !== last + 1) return false;
      const frame = opts.frame(e);
      if (frame !== null) write(typeof frame === "string" ? encoder.encode(frame) : frame);
      last = e.seq;
    }
    return true;
  };
  const end = () => {
    if (ended) return;
    ended = true;
    open.dec();
    stopBeat?.();
    signal.removeEventListener("abort", end);
    void membership?.leave();
    membership = undefined;
    backlog = undefined;
    try {
      controller.close();
    } catch {
      // already closed or cancelled by the client
    }
    const closed = onClose;
    onClose = undefined;
    closed?.();
  };
  /** Reads the log after `last` until it is caught up with everything delivered meanwhile. */
  const catchUp = async () => {
    backlog ??= [];
    try {
      for (;;) {
        for (;;) {
          const page = await opts.read(last, PAGE);
          if (ended) return;
          take(page);
          if (page.length < PAGE) break;
        }
        const pending = backlog!.splice(0);
        if (pending.every((entries) => take(entries))) break;
      }
      membership?.advance(last);
      backlog = undefined;
    } catch {
      // Database unavailable mid-stream: end the stream; the client resumes from its last id.
      end();
    }
  };
  const onEntries = (entries: readonly E[] | null) => {
    if (ended) return;
    if (backlog) backlog.push(entries);
    else if (!take(entries)) void catchUp();
  };

  return new ReadableStream<Uint8Array>({
    async start(c) {
      controller = c;
      open.inc();
      if (signal.aborted) return end();
      signal.addEventListener("abort", end, { once: true });
      try {
        membership = await joinHub(opts.channel, opts, onEntries);
      } catch (err) {
        end();
        throw err;
      }
      if (ended) {
        void membership.leave();
        return;
      }
      stopBeat = keepAlive(write);
      write(RETRY);
      void catchUp();
    },
    cancel() {
      end();
    },
  });
}

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-store, no-transform",
  connection: "keep-alive",
  "x-accel-buffering": "no",
} as const;

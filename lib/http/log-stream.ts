import { getBus } from "@/lib/bus";
import { metrics } from "@/lib/telemetry/metrics";

const encoder = new TextEncoder();
const HEARTBEAT_MS = 15_000;
const PAGE = 500;

export interface LogStreamOptions<E extends { seq: number }> {
  /** Bus channel that announces new entries. */
  channel: string;
  after: number;
  signal: AbortSignal;
  heartbeatMs?: number;
  /** Entries with `seq > after`, in order, at most `limit`. */
  read(after: number, limit: number): Promise<E[]>;
  /** The SSE frame of an entry, or null to skip it (e.g. not visible to this reader). */
  frame(entry: E): string | null;
  /** The entry a bus message carries, or null when it only says "something new" (read the log). */
  fromBus(message: unknown): E | null;
  /** Called once when the stream ends, however it ends (client gone, error, cancel). */
  onClose?: () => void;
}

/**
 * An SSE stream over a durable, gap-free numbered log: replays after `after`, then tails live
 * entries. It subscribes before replaying and only ever advances to `seq = last + 1`; anything
 * else (a gap from another writer, a notification that raced the replay, a bare "poke") is filled
 * from the log. So a reconnect with Last-Event-ID sees every entry exactly once, in order.
 */
export function logEventStream<E extends { seq: number }>(
  opts: LogStreamOptions<E>,
): ReadableStream<Uint8Array> {
  const { signal } = opts;
  let last = opts.after;
  const pending: (E | null)[] = [];
  let wake: (() => void) | undefined;
  let unsubscribe: (() => Promise<void>) | undefined;
  let closed = false;
  let onClose = opts.onClose;
  // The open-streams gauge, by the channel's kind ("conversation", "approvals"), never its id.
  const open = metrics().sseConnections.labels({ stream: opts.channel.split(":")[0]! });
  let counted = false;
  const close = () => {
    if (counted) open.dec();
    counted = false;
    const fn = onClose;
    onClose = undefined;
    fn?.();
  };

  return new ReadableStream<Uint8Array>({
    async start(controller) {
      counted = true;
      open.inc();
      const send = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          // The client went away; the abort listener tidies up.
        }
      };
      const sendEntries = (entries: E[]) => {
        for (const e of entries) {
          if (e.seq !== last + 1) continue;
          const frame = opts.frame(e);
          if (frame !== null) send(frame);
          last = e.seq;
        }
      };
      const catchUp = async () => {
        for (;;) {
          const page = await opts.read(last, PAGE);
          sendEntries(page);
          if (page.length < PAGE) return;
        }
      };

      try {
        unsubscribe = await getBus().subscribe(opts.channel, (message) => {
          pending.push(opts.fromBus(message));
          wake?.();
        });
      } catch (err) {
        close();
        throw err;
      }
      const stop = () => wake?.();
      signal.addEventListener("abort", stop, { once: true });
      const heartbeat = setInterval(
        () => send(": keep-alive\n\n"),
        opts.heartbeatMs ?? HEARTBEAT_MS,
      );

      try {
        send("retry: 2000\n\n");
        await catchUp();
        while (!signal.aborted && !closed) {
          if (pending.length === 0) {
            await new Promise<void>((resolve) => (wake = resolve));
            wake = undefined;
            continue;
          }
          const batch = pending.splice(0, pending.length);
          const entries = batch.filter((e): e is E => e !== null && e.seq > last);
          const contiguous =
            entries.length === batch.length &&
            entries[0]?.seq === last + 1 &&
            entries.every((e, i) => i === 0 || e.seq === entries[i - 1]!.seq + 1);
          if (contiguous) sendEntries(entries);
          else if (batch.some((e) => e === null || e.seq > last)) await catchUp();
        }
      } catch {
        // Database unavailable mid-stream: end the stream; the client resumes from its last id.
      } finally {
        clearInterval(heartbeat);
        signal.removeEventListener("abort", stop);
        await unsubscribe?.();
        close();
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      }
    },
    async cancel() {
      closed = true;
      close();
      wake?.();
      await unsubscribe?.();
    },
  });
}

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-store, no-transform",
  connection: "keep-alive",
  "x-accel-buffering": "no",
} as const;

import { conversationChannel, getBus } from "@/lib/bus";
import type { ChatEvent } from "./events";
import { readEvents } from "./event-log";

const encoder = new TextEncoder();
const HEARTBEAT_MS = 15_000;
const PAGE = 500;

export function sseFrame(event: ChatEvent): string {
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * The conversation's event stream: replays the durable log after `after`, then tails live events.
 * It subscribes before replaying, and only ever sends `seq = last + 1`; anything else (a gap from
 * another writer, a notification that raced the replay) is filled from the log. So a reconnect
 * with Last-Event-ID sees every event exactly once, in order.
 */
export function conversationEventStream(opts: {
  conversationId: string;
  after: number;
  signal: AbortSignal;
  heartbeatMs?: number;
}): ReadableStream<Uint8Array> {
  const { conversationId, signal } = opts;
  let last = opts.after;
  const pending: ChatEvent[] = [];
  let wake: (() => void) | undefined;
  let unsubscribe: (() => Promise<void>) | undefined;
  let closed = false;

  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          // The client went away; the abort listener tidies up.
        }
      };
      const sendEvents = (events: ChatEvent[]) => {
        for (const e of events) {
          if (e.seq !== last + 1) continue;
          send(sseFrame(e));
          last = e.seq;
        }
      };
      const catchUp = async () => {
        for (;;) {
          const page = await readEvents(conversationId, last, PAGE);
          sendEvents(page);
          if (page.length < PAGE) return;
        }
      };

      unsubscribe = await getBus().subscribe(conversationChannel(conversationId), (message) => {
        pending.push(message as ChatEvent);
        wake?.();
      });
      const stop = () => {
        wake?.();
      };
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
          const batch = pending.splice(0, pending.length).filter((e) => e.seq > last);
          if (batch.length === 0) continue;
          if (
            batch[0]!.seq === last + 1 &&
            batch.every((e, i) => i === 0 || e.seq === batch[i - 1]!.seq + 1)
          ) {
            sendEvents(batch);
          } else {
            await catchUp();
          }
        }
      } catch {
        // Database unavailable mid-stream: end the stream; the client resumes from its last id.
      } finally {
        clearInterval(heartbeat);
        signal.removeEventListener("abort", stop);
        await unsubscribe?.();
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      }
    },
    async cancel() {
      closed = true;
      wake?.();
      await unsubscribe?.();
    },
  });
}

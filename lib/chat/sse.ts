import { conversationChannel } from "@/lib/bus";
import { logEventStream } from "@/lib/http/log-stream";
import type { ChatEvent } from "./events";
import { readEvents } from "./event-log";

export function sseFrame(event: ChatEvent): string {
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * The conversation's event stream: replays the durable log after `after`, then tails live events
 * (every event exactly once, in order; see logEventStream).
 */
export function conversationEventStream(opts: {
  conversationId: string;
  after: number;
  signal: AbortSignal;
  heartbeatMs?: number;
  onClose?: () => void;
}): ReadableStream<Uint8Array> {
  const { conversationId } = opts;
  return logEventStream<ChatEvent>({
    channel: conversationChannel(conversationId),
    after: opts.after,
    signal: opts.signal,
    heartbeatMs: opts.heartbeatMs,
    onClose: opts.onClose,
    read: (after, limit) => readEvents(conversationId, after, limit),
    frame: sseFrame,
    fromBus: (message) => message as ChatEvent,
  });
}

import { conversationChannel } from "@/lib/bus";
import { logEventStream } from "@/lib/http/log-stream";
import type { ChatEvent } from "./events";
import { readEvents } from "./event-log";

function sseFrame(event: ChatEvent): string {
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

const encoder = new TextEncoder();
const encoded = new WeakMap<ChatEvent, Uint8Array>();

/**
 * The frame's bytes, encoded once per event object: every subscriber of a conversation receives
 * the same event objects from its hub, so one event costs one JSON.stringify and one buffer
 * however many streams it is written to (ChatEvents are never mutated once appended).
 */
export function sseFrameBytes(event: ChatEvent): Uint8Array {
  let bytes = encoded.get(event);
  if (!bytes) encoded.set(event, (bytes = encoder.encode(sseFrame(event))));
  return bytes;
}

/**
 * The conversation's event stream: replays the durable log after `after`, then tails live events
 * (every event exactly once, in order; see logEventStream).
 */
export function conversationEventStream(opts: {
  conversationId: string;
  after: number;
  signal: AbortSignal;
  onClose?: () => void;
}): ReadableStream<Uint8Array> {
  const { conversationId } = opts;
  return logEventStream<ChatEvent>({
    channel: conversationChannel(conversationId),
    after: opts.after,
    signal: opts.signal,
    onClose: opts.onClose,
    read: (after, limit) => readEvents(conversationId, after, limit),
    frame: sseFrameBytes,
    fromBus,
  });
}

/** Conversation events travel on the bus whole (lib/chat/event-log.ts publishes them). */
const fromBus = (message: unknown) => message as ChatEvent;

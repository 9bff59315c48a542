import { EventSourceParserStream } from "eventsource-parser/stream";
import { parseChatEvent, type ChatEvent } from "@/lib/chat/events";

/**
 * Reads a conversation's SSE stream until `until(event)` is true, `max` events arrived, or the
 * time runs out; then drops the connection (like a closed tab).
 */
export async function readSse(
  url: string,
  token: string,
  opts: {
    lastEventId?: number;
    until?: (e: ChatEvent) => boolean;
    max?: number;
    timeoutMs?: number;
    /** Called once the stream is open (headers received), before any event is read. */
    onOpen?: () => void;
  } = {},
): Promise<{ events: ChatEvent[]; ids: string[] }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), opts.timeoutMs ?? 10_000);
  const headers: Record<string, string> = {
    authorization: `Bearer ${token}`,
    accept: "text/event-stream",
  };
  if (opts.lastEventId !== undefined) headers["last-event-id"] = String(opts.lastEventId);
  const events: ChatEvent[] = [];
  const ids: string[] = [];
  try {
    const res = await fetch(url, { headers, signal: controller.signal });
    if (!res.ok || !res.body) throw new Error(`SSE HTTP ${res.status}`);
    opts.onOpen?.();
    const reader = res.body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream())
      .getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const event = parseChatEvent(JSON.parse(value.data));
      expectEqual(value.event, event.type);
      events.push(event);
      ids.push(value.id ?? "");
      if (opts.until?.(event) || (opts.max !== undefined && events.length >= opts.max)) break;
    }
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return { events, ids };
}

function expectEqual(a: unknown, b: unknown) {
  if (a !== b) throw new Error(`SSE event name ${String(a)} does not match data.type ${String(b)}`);
}

export const isTerminal = (e: ChatEvent) =>
  e.type === "run.completed" || e.type === "run.failed" || e.type === "run.cancelled";

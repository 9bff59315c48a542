/**
 * Browser side of our event logs over SSE (`GET /api/conversations/:id/events`, and the approvals
 * feed `GET /api/approvals/events`, which share framing and resume): a reader over fetch
 * (EventSource cannot send a bearer token) that resumes after a dropped connection with
 * `Last-Event-ID`, so every event reaches the page exactly once, in order. No Node-only imports.
 */
import { newTraceparent } from "./traceparent";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { chatEventSchema, type ChatEvent } from "../events";
import { DEFAULT_BACKOFF, reconnectDelay, retryAfterMs, type BackoffOptions } from "./backoff";

export type StreamStatus = "connecting" | "open" | "reconnecting" | "closed" | "error";

/** Any event of a numbered log. */
export interface Sequenced {
  seq: number;
}

export interface EventLogOptions<T extends Sequenced> {
  /** e.g. `/api/conversations/:id/events` or `/api/approvals/events` */
  url: string;
  /** Asked before every connection, so a reconnect never uses an expired token. */
  getAccessToken: () => Promise<string>;
  /** Deliver only events after this seq (what the page already shows). */
  after?: number;
  /** Validates one frame's JSON; undefined skips it (it fails the contract). */
  parse: (data: unknown) => T | undefined;
  onEvent: (e: T) => void;
  onStatus?: (s: StreamStatus, detail?: string) => void;
  signal: AbortSignal;
  fetchImpl?: typeof fetch;
  backoff?: BackoffOptions;
  /** What to tell the user when the server refuses with these statuses (fatal, no retry). */
  fatalDetail?: Readonly<Record<number, string>>;
}

export type SubscribeOptions = Omit<EventLogOptions<ChatEvent>, "parse" | "fatalDetail">;

/** What one connection attempt ended with. */
type Outcome =
  { kind: "dropped"; waitMs?: number } | { kind: "retry_now" } | { kind: "fatal"; detail: string };

interface Session {
  /** Highest seq delivered: the page's cursor, and the duplicate filter. */
  lastSeq: number;
  /** Last SSE `id:` seen, sent back as `Last-Event-ID`. */
  lastEventId?: string;
  /** The server's `retry:` (ms), when it sent one. */
  retryMs?: number;
  /** Reconnects in a row without any data; resets when data arrives. */
  attempt: number;
  refreshedAfter401: boolean;
}

/** Thrown by the caller's `onEvent`: a bug to surface, not a network drop to retry. */
class HandlerError extends Error {
  constructor(readonly original: unknown) {
    super("onEvent threw");
  }
}

const DEFAULT_FATAL_DETAIL: Readonly<Record<number, string>> = {
  401: "Your sign-in has expired. Please sign in again.",
  403: "You don't have access to these updates.",
  404: "These updates are not available.",
};

const CONVERSATION_FATAL_DETAIL: Readonly<Record<number, string>> = {
  403: "You don't have access to this conversation.",
  404: "This conversation doesn't exist any more.",
};

/** A conversation's ChatEvents. Resolves when it ends: aborted ("closed") or fatal ("error"). */
export function subscribeToConversation(opts: SubscribeOptions): Promise<void> {
  return subscribeToEventLog({
    ...opts,
    parse: parseChatEvent,
    fatalDetail: CONVERSATION_FATAL_DETAIL,
  });
}

/** Any event log over SSE. Resolves when it ends: aborted ("closed") or fatal ("error"). */
export async function subscribeToEventLog<T extends Sequenced>(
  opts: EventLogOptions<T>,
): Promise<void> {
  const status = opts.onStatus ?? (() => {});
  const after = opts.after ?? 0;
  const session: Session = {
    lastSeq: after,
    lastEventId: after > 0 ? String(after) : undefined,
    attempt: 0,
    refreshedAfter401: false,
  };
  let first = true;
  try {
    while (!opts.signal.aborted) {
      status(first ? "connecting" : "reconnecting");
      first = false;
      const outcome = await connectOnce(opts, session, status);
      if (opts.signal.aborted) break;
      if (outcome.kind === "fatal") return status("error", outcome.detail);
      if (outcome.kind === "retry_now") continue;
      await sleep(Math.max(nextDelay(opts, session), outcome.waitMs ?? 0), opts.signal);
    }
    status("closed");
  } catch (err) {
    if (err instanceof HandlerError) {
      status("error", "The page could not show an update.");
      throw err.original;
    }
    throw err;
  }
}

function nextDelay<T extends Sequenced>(opts: EventLogOptions<T>, session: Session): number {
  const base = session.retryMs ?? opts.backoff?.initialMs ?? DEFAULT_BACKOFF.initialMs;
  const delay = reconnectDelay(session.attempt, base, opts.backoff?.maxMs ?? DEFAULT_BACKOFF.maxMs);
  session.attempt += 1;
  return delay;
}

async function connectOnce<T extends Sequenced>(
  opts: EventLogOptions<T>,
  session: Session,
  status: NonNullable<EventLogOptions<T>["onStatus"]>,
): Promise<Outcome> {
  let token: string;
  try {
    token = await opts.getAccessToken();
  } catch {
    return { kind: "fatal", detail: "We couldn't confirm your sign-in. Please sign in again." };
  }
  let response: Response;
  try {
    response = await (opts.fetchImpl ?? fetch)(opts.url, {
      headers: requestHeaders(token, session.lastEventId),
      signal: opts.signal,
      cache: "no-store",
    });
  } catch {
    return { kind: "dropped" };
  }
  const refused = refusal(response, session, opts.fatalDetail ?? {});
  if (refused) {
    await response.body?.cancel().catch(() => {});
    return refused;
  }
  status("open");
  session.refreshedAfter401 = false;
  await readEvents(response.body!, opts, session);
  return { kind: "dropped" };
}

function requestHeaders(token: string, lastEventId: string | undefined): HeadersInit {
  return {
    Authorization: `Bearer ${token}`,
    Accept: "text/event-stream",
    traceparent: newTraceparent(),
    ...(lastEventId !== undefined ? { "Last-Event-ID": lastEventId } : {}),
  };
}

/** Why a response cannot be read as our event stream, or undefined when it can. */
function refusal(
  response: Response,
  session: Session,
  fatalDetail: Readonly<Record<number, string>>,
): Outcome | undefined {
  if (response.status === 401 && !session.refreshedAfter401) {
    // Tokens can expire between connections: one fresh token, then give up.
    session.refreshedAfter401 = true;
    return { kind: "retry_now" };
  }
  const fatal = fatalDetail[response.status] ?? DEFAULT_FATAL_DETAIL[response.status];
  if (fatal) return { kind: "fatal", detail: fatal };
  if (response.status === 429 || response.status >= 500) {
    return { kind: "dropped", waitMs: retryAfterMs(response.headers.get("retry-after")) };
  }
  if (!response.ok)
    return {
      kind: "fatal",
      detail: `The server refused the live updates (HTTP ${response.status}).`,
    };
  if (!response.body || !response.headers.get("content-type")?.includes("text/event-stream")) {
    return { kind: "fatal", detail: "The server did not answer with live updates." };
  }
  return undefined;
}

/** Reads until the connection ends or drops; only a throwing `onEvent` escapes. */
async function readEvents<T extends Sequenced>(
  body: NonNullable<Response["body"]>,
  opts: EventLogOptions<T>,
  session: Session,
): Promise<void> {
  const alive = () => {
    session.attempt = 0;
  };
  const messages = body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(
      new EventSourceParserStream({ onRetry: (ms) => (session.retryMs = ms), onComment: alive }),
    );
  const reader = messages.getReader();
  const stop = () => void reader.cancel().catch(() => {});
  opts.signal.addEventListener("abort", stop, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      alive();
      if (value.id !== undefined) session.lastEventId = value.id;
      deliver(value.data, opts, session);
    }
  } catch (err) {
    if (err instanceof HandlerError) throw err;
    // A dropped connection: the caller reconnects from lastEventId.
  } finally {
    opts.signal.removeEventListener("abort", stop);
  }
}

function deliver<T extends Sequenced>(
  data: string,
  opts: EventLogOptions<T>,
  session: Session,
): void {
  const event = parseFrame(data, opts.parse);
  // Skip what fails the contract, and what the page already has (a replay overlapping the cursor).
  if (!event || event.seq <= session.lastSeq) return;
  session.lastSeq = event.seq;
  try {
    opts.onEvent(event);
  } catch (err) {
    throw new HandlerError(err);
  }
}

function parseFrame<T>(data: string, parse: (data: unknown) => T | undefined): T | undefined {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return undefined;
  }
  return parse(json);
}

function parseChatEvent(data: unknown): ChatEvent | undefined {
  const parsed = chatEventSchema.safeParse(data);
  return parsed.success ? (parsed.data as ChatEvent) : undefined;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

import { getConfig } from "@/lib/config";
import { AppError } from "@/lib/errors";
import { countRateLimited } from "@/lib/telemetry/metrics";

const KEY = Symbol.for("foundry-agent-chat.limits.streams");
type Holder = { [KEY]?: Map<string, number> };

function open(): Map<string, number> {
  const g = globalThis as Holder;
  g[KEY] ??= new Map();
  return g[KEY];
}

/** How long a refused client should wait before trying again (streams close when tabs do). */
const RETRY_AFTER_SECONDS = 10;

/**
 * Each live event stream holds a connection and a place in its channel's fan-out for as long as
 * the client keeps it, so one user may hold at most SSE_STREAMS_PER_USER at once. Counted in this
 * process (each replica counts its own). Returns the release function, which is safe to call
 * more than once; past the cap, 429 with Retry-After.
 */
export function acquireStreamSlot(userId: string): () => void {
  const limit = getConfig().limits.sseStreamsPerUser;
  const counts = open();
  const held = counts.get(userId) ?? 0;
  if (held >= limit) {
    countRateLimited("sse_streams");
    throw new AppError(
      "rate_limited",
      `You have too many live updates open (${limit}), for example in other tabs. Close some of them and try again.`,
      {
        headers: { "retry-after": String(RETRY_AFTER_SECONDS) },
        extensions: { retryAfterSeconds: RETRY_AFTER_SECONDS, limit },
      },
    );
  }
  counts.set(userId, held + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const now = (counts.get(userId) ?? 1) - 1;
    if (now > 0) counts.set(userId, now);
    else counts.delete(userId);
  };
}

/** Streams this process counts for a user (tests). */
export function openStreamsOf(userId: string): number {
  return open().get(userId) ?? 0;
}

/** Reconnect timing for the browser event stream. Pure, so it is tested without clocks. */
export interface BackoffOptions {
  /** First delay; the server's SSE `retry:` replaces it. */
  initialMs?: number;
  /** Upper bound, however many attempts failed. */
  maxMs?: number;
}

export const DEFAULT_BACKOFF = { initialMs: 1000, maxMs: 30_000 } as const;

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so a server
 * restart does not get every browser back in the same millisecond, yet no retry comes too soon.
 */
export function reconnectDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: number = Math.random(),
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/** `Retry-After` as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

import { retryAfterMs } from "@/lib/chat/client/backoff";

/**
 * A provider's `Retry-After` (delay in seconds, or an HTTP date) as whole seconds to wait;
 * undefined when absent or unreadable, so `rate_limited` then carries no hint rather than a guess.
 */
export function retryAfterSeconds(header: unknown, now: number = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const ms = retryAfterMs(String(value).trim(), now);
  return ms === undefined ? undefined : Math.ceil(ms / 1000);
}

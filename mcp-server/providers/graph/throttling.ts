import { RetryHandlerOptions, type ShouldRetry } from "@microsoft/microsoft-graph-client";

/** How many times one request is re-sent after 429/503/504 (the SDK's default, made explicit). */
export const GRAPH_MAX_RETRIES = 3;
/** Base delay (s) when Graph gives no Retry-After; the SDK adds backoff and jitter. */
const BASE_DELAY_SECONDS = 1;
/** The SDK caps any single wait at this (RetryHandlerOptions.MAX_DELAY). */
const SDK_MAX_DELAY_SECONDS = 180;

/** Seconds from a Retry-After header (delta-seconds or HTTP-date), or undefined. */
export function retryAfterSeconds(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || value.trim() === "") return undefined;
  const n = Number(value);
  if (Number.isFinite(n)) return Math.max(0, Math.ceil(n));
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/**
 * May the SDK's RetryHandler send this request again after `status`?
 * - 429: Graph throttled the request before processing it, so repeating it cannot act twice —
 *   writes included (sendMail, creating a task, posting a message).
 * - 503: retried for reads; for writes only with Retry-After, Graph's throttling answer.
 * - 504: the gateway gave up but the service may have acted: reads only.
 */
export function mayRetry(method: string, status: number, headers: Headers): boolean {
  if (status === 429) return true;
  const read = method === "GET";
  if (status === 503) return read || headers.has("Retry-After");
  return read;
}

/** What the SDK will wait before attempt `attempt + 1` (its getDelay, minus the jitter). */
function expectedWaitSeconds(response: Response, attempt: number): number {
  const after = retryAfterSeconds(response.headers.get("Retry-After"));
  const next = attempt + 1;
  const backoff = next >= 2 ? Math.round(0.5 * (2 ** next - 1)) : 0;
  return Math.min(after ?? backoff + BASE_DELAY_SECONDS + 1, SDK_MAX_DELAY_SECONDS);
}

/** Shared by one request and its retries: the last Retry-After Graph sent. */
export interface ThrottleState {
  lastRetryAfterSeconds?: number;
}

/**
 * Per-request options for the SDK's RetryHandler. It sleeps without watching any signal, so a
 * retry is only allowed when its whole wait ends before the tool's deadline (and the call was
 * not cancelled): otherwise the throttled answer stands and the tool reports `rate_limited`
 * at once. The attempt limit is enforced here too, so every throttled answer passes through
 * `shouldRetry` and its Retry-After is remembered even when the body is not Graph's JSON.
 */
export function retryOptions(budget: {
  signal: AbortSignal;
  deadline: number;
  state: ThrottleState;
}): RetryHandlerOptions {
  const shouldRetry: ShouldRetry = (_delay, attempt, _request, options, response) => {
    const after = retryAfterSeconds(response.headers.get("Retry-After"));
    if (after !== undefined) budget.state.lastRetryAfterSeconds = after;
    if (attempt >= GRAPH_MAX_RETRIES || budget.signal.aborted) return false;
    const method = (options?.method ?? "GET").toUpperCase();
    if (!mayRetry(method, response.status, response.headers)) return false;
    return Date.now() + expectedWaitSeconds(response, attempt) * 1000 < budget.deadline;
  };
  // maxRetries above GRAPH_MAX_RETRIES: the limit is the callback's (see above).
  return new RetryHandlerOptions(BASE_DELAY_SECONDS, GRAPH_MAX_RETRIES + 1, shouldRetry);
}

import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  type CircuitBreakerPolicy,
} from "cockatiel";
import { ToolError, type ToolDefinition } from "./catalog/types";

export const BREAKER_THRESHOLD = 5;
export const BREAKER_HALF_OPEN_AFTER_MS = 30_000;
export const MAX_RETRIES = 2;

/** Failures that say the provider is unwell (and count toward opening its circuit). */
export function isProviderFailure(err: unknown): boolean {
  if (err instanceof ToolError) return err.code === "provider_error" || err.code === "timeout";
  if (err instanceof BrokenCircuitError) return false;
  return err instanceof TaskCancelledError || err instanceof Error;
}

/** Worth another attempt within this call: transient provider trouble the tool marked retriable. */
export function isTransient(err: unknown): boolean {
  if (err instanceof ToolError)
    return (
      (err.code === "provider_error" || err.code === "timeout") && err.details.retriable !== false
    );
  return err instanceof TaskCancelledError;
}

/**
 * Repeating the call cannot do anything twice: reads, and writes that set state rather than add
 * it (`idempotentHint`). An SMS that timed out may have been sent, so it is never retried here.
 */
export function safeToRetry(tool: Pick<ToolDefinition, "annotations">): boolean {
  return tool.annotations.readOnlyHint || tool.annotations.idempotentHint;
}

const KEY = Symbol.for("foundry-agent-chat.mcp.breakers");
type Holder = { [KEY]?: Map<string, CircuitBreakerPolicy> };

/** One breaker per provider and process: five provider failures in a row open it for 30 s. */
export function breakerFor(provider: string): CircuitBreakerPolicy {
  const g = globalThis as Holder;
  g[KEY] ??= new Map();
  let breaker = g[KEY].get(provider);
  if (!breaker) {
    breaker = circuitBreaker(handleWhen(isProviderFailure), {
      halfOpenAfter: BREAKER_HALF_OPEN_AFTER_MS,
      breaker: new ConsecutiveBreaker(BREAKER_THRESHOLD),
    });
    g[KEY].set(provider, breaker);
  }
  return breaker;
}

/** Tests start with closed circuits. */
export function resetBreakers(): void {
  (globalThis as Holder)[KEY]?.clear();
}

/**
 * Runs one tool call within one time budget (`timeoutMs`, or the tool's own smaller one, however
 * many attempts): each attempt
 * runs under the provider's circuit breaker and is abandoned when the budget ends (the tool's
 * signal aborts). Transient failures are retried with backoff, only for tools safe to repeat.
 */
export async function runResilient<T>(
  tool: Pick<ToolDefinition, "provider" | "annotations" | "resilience">,
  fn: (signal: AbortSignal) => Promise<T>,
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<T> {
  const budgetMs = Math.min(opts.timeoutMs, tool.resilience?.timeoutMs ?? opts.timeoutMs);
  const deadline = Date.now() + budgetMs;
  const retries = tool.resilience?.retries ?? MAX_RETRIES;
  const breaker = breakerFor(tool.provider);
  const attempt = (signal: AbortSignal) =>
    breaker.execute(() => {
      const budget = timeout(Math.max(1, deadline - Date.now()), TimeoutStrategy.Aggressive);
      return budget.execute(async ({ signal: s }) => {
        try {
          return await fn(s);
        } catch (err) {
          // Whatever a tool throws once its budget is gone, the caller hears "timed out" (and,
          // for writes, "may have happened"): the tool cannot know how far the provider got.
          if (s.aborted) throw new TaskCancelledError("The tool's time budget ran out.");
          throw err;
        }
      }, signal);
    }, signal);
  const outer = opts.signal ?? new AbortController().signal;
  if (!safeToRetry(tool) || retries === 0) return attempt(outer);
  const retrying = retry(
    handleWhen((err) => isTransient(err) && Date.now() < deadline - 100),
    {
      maxAttempts: retries,
      backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1_000 }),
    },
  );
  return retrying.execute(({ signal }) => attempt(signal), outer);
}

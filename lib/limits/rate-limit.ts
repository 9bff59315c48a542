import type { Redis } from "ioredis";
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from "rate-limiter-flexible";

export type RateLimitVerdict =
  | { allowed: true; remaining: number }
  | { allowed: false; remaining: 0; retryAfterSeconds: number };

export interface RateLimiter {
  /** Counts one unit for `key` and says whether it fits in the current window. */
  consume(key: string): Promise<RateLimitVerdict>;
  readonly store: "memory" | "redis";
}

export interface RateLimiterOptions {
  points: number;
  durationSeconds: number;
  /** Namespaces the counters (one limiter's keys never meet another's in a shared Redis). */
  keyPrefix: string;
  /** Shared counters across replicas; without it the window is per process. */
  redis?: Redis;
}

/**
 * A fixed-window counter per key (rate-limiter-flexible). With Redis the window is shared by all
 * replicas; if Redis fails, an in-process limiter with the same budget takes over for that call
 * (each replica then enforces the limit alone) rather than refusing every call or letting all in.
 */
export function createRateLimiter(opts: RateLimiterOptions): RateLimiter {
  const base = { points: opts.points, duration: opts.durationSeconds, keyPrefix: opts.keyPrefix };
  const limiter: RateLimiterAbstract = opts.redis
    ? new RateLimiterRedis({
        ...base,
        storeClient: opts.redis,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory(base),
      })
    : new RateLimiterMemory(base);
  return {
    store: opts.redis ? "redis" : "memory",
    async consume(key) {
      if (opts.redis) await firstConnection(opts.redis);
      try {
        const res = await limiter.consume(key);
        return { allowed: true, remaining: res.remainingPoints };
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw err;
        return {
          allowed: false,
          remaining: 0,
          retryAfterSeconds: Math.max(1, Math.ceil(err.msBeforeNext / 1000)),
        };
      }
    },
  };
}

const FIRST_CONNECTION_WAIT_MS = 2_000;
const firstConnections = new WeakMap<Redis, Promise<void>>();

/**
 * Waits (once per client, at most two seconds) for the first connection, so calls made while a
 * new process is still connecting count in the shared window instead of falling back to the
 * in-process limiter. Later outages fall back at once (`rejectIfRedisNotReady`).
 */
function firstConnection(redis: Redis): Promise<void> {
  let waiting = firstConnections.get(redis);
  if (!waiting) {
    waiting =
      redis.status === "ready"
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              redis.off("ready", done);
              resolve();
            };
            const timer = setTimeout(done, FIRST_CONNECTION_WAIT_MS);
            timer.unref();
            redis.once("ready", done);
          });
    firstConnections.set(redis, waiting);
  }
  return waiting;
}

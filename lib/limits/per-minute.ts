import { getConfig } from "@/lib/config";
import { createRateLimiter, type RateLimiter } from "./rate-limit";
import { limitsRedis } from "./redis";

type Entry = { fingerprint: string; limiter: RateLimiter };
const KEY = Symbol.for("foundry-agent-chat.limits.per-minute");
type Holder = { [KEY]?: Map<string, Entry> };

/**
 * A named per-key budget per minute, in Redis when REDIS_URL is set so every replica counts
 * against the same window. Rebuilt when the budget or the store changes (tests change config).
 */
export function perMinuteLimiter(name: string, pointsPerMinute: number): RateLimiter {
  const { redisUrl } = getConfig();
  const fingerprint = `${redisUrl ?? "memory"}|${pointsPerMinute}`;
  const g = globalThis as Holder;
  g[KEY] ??= new Map();
  const cached = g[KEY].get(name);
  if (cached?.fingerprint === fingerprint) return cached.limiter;
  const limiter = createRateLimiter({
    points: pointsPerMinute,
    durationSeconds: 60,
    keyPrefix: `fac:rl:${name}`,
    redis: redisUrl ? limitsRedis(redisUrl) : undefined,
  });
  g[KEY].set(name, { fingerprint, limiter });
  return limiter;
}

/** Forgets a limiter's in-process window (what a restart starts with). */
export function resetPerMinuteLimiter(name: string): void {
  (globalThis as Holder)[KEY]?.delete(name);
}

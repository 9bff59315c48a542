import { getConfig } from "@/lib/config";
import { createRateLimiter, type RateLimiter } from "./rate-limit";
import { limitsRedis } from "./redis";

const KEY = Symbol.for("foundry-agent-chat.limits.mcp");
type Holder = { [KEY]?: { fingerprint: string; limiter: RateLimiter } };

/**
 * The per-caller budget of MCP tool calls (MCP_RATE_LIMIT_PER_MINUTE, default 50 a minute), in
 * Redis when REDIS_URL is set so every replica counts against the same window.
 */
export function mcpCallLimiter(): RateLimiter {
  const { redisUrl, mcp } = getConfig();
  const fingerprint = `${redisUrl ?? "memory"}|${mcp.rateLimitPerMinute}`;
  const g = globalThis as Holder;
  if (g[KEY]?.fingerprint !== fingerprint) {
    const limiter = createRateLimiter({
      points: mcp.rateLimitPerMinute,
      durationSeconds: 60,
      keyPrefix: "fac:rl:mcp-call",
      redis: redisUrl ? limitsRedis(redisUrl) : undefined,
    });
    g[KEY] = { fingerprint, limiter };
  }
  return g[KEY].limiter;
}

/** Forgets the in-process windows (tests). */
export function resetMcpCallLimiter(): void {
  delete (globalThis as Holder)[KEY];
}

import { getConfig } from "@/lib/config";
import type { RateLimiter } from "./rate-limit";
import { perMinuteLimiter, resetPerMinuteLimiter } from "./per-minute";

/** The name MCP call refusals are counted under (lib/limits/refusals.ts). */
export const MCP_CALL_LIMITER = "mcp-call";

/** The per-caller budget of MCP tool calls (MCP_RATE_LIMIT_PER_MINUTE, default 50 a minute). */
export function mcpCallLimiter(): RateLimiter {
  return perMinuteLimiter(MCP_CALL_LIMITER, getConfig().mcp.rateLimitPerMinute);
}

/** Forgets the in-process windows (tests). */
export function resetMcpCallLimiter(): void {
  resetPerMinuteLimiter(MCP_CALL_LIMITER);
}

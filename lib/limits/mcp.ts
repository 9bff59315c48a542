import { getConfig } from "@/lib/config";
import type { RateLimiter } from "./rate-limit";
import { perMinuteLimiter, resetPerMinuteLimiter } from "./per-minute";

/** The per-caller budget of MCP tool calls (MCP_RATE_LIMIT_PER_MINUTE, default 50 a minute). */
export function mcpCallLimiter(): RateLimiter {
  return perMinuteLimiter("mcp-call", getConfig().mcp.rateLimitPerMinute);
}

/** Forgets the in-process windows (tests). */
export function resetMcpCallLimiter(): void {
  resetPerMinuteLimiter("mcp-call");
}

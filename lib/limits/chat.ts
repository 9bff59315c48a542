import { getConfig } from "@/lib/config";
import { AppError } from "@/lib/errors";
import { createRateLimiter, type RateLimiter } from "./rate-limit";
import { limitsRedis } from "./redis";

const KEY = Symbol.for("foundry-agent-chat.limits.chat");
type Holder = { [KEY]?: { fingerprint: string; limiter: RateLimiter } };

function chatMessageLimiter(): RateLimiter {
  const { redisUrl, limits } = getConfig();
  const fingerprint = `${redisUrl ?? "memory"}|${limits.chatMessagesPerMinute}`;
  const g = globalThis as Holder;
  if (g[KEY]?.fingerprint !== fingerprint) {
    const limiter = createRateLimiter({
      points: limits.chatMessagesPerMinute,
      durationSeconds: 60,
      keyPrefix: "fac:rl:chat-message",
      redis: redisUrl ? limitsRedis(redisUrl) : undefined,
    });
    g[KEY] = { fingerprint, limiter };
  }
  return g[KEY].limiter;
}

/**
 * Each message starts an agent run, which costs the agent service (and the user's quota there);
 * past CHAT_MESSAGES_PER_MINUTE a user gets 429 with Retry-After and nothing starts.
 */
export async function limitChatMessages(userId: string): Promise<void> {
  const verdict = await chatMessageLimiter().consume(userId);
  if (!verdict.allowed) {
    throw new AppError(
      "rate_limited",
      `You are sending messages too quickly. Try again in ${verdict.retryAfterSeconds} s.`,
      {
        headers: { "retry-after": String(verdict.retryAfterSeconds) },
        extensions: { retryAfterSeconds: verdict.retryAfterSeconds },
      },
    );
  }
}

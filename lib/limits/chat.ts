import { getConfig } from "@/lib/config";
import { AppError } from "@/lib/errors";
import { countRateLimited } from "@/lib/telemetry/metrics";
import { perMinuteLimiter } from "./per-minute";

/**
 * Each message starts an agent run, which costs the agent service (and the user's quota there);
 * past CHAT_MESSAGES_PER_MINUTE a user gets 429 with Retry-After and nothing starts.
 */
export async function limitChatMessages(userId: string): Promise<void> {
  const limiter = perMinuteLimiter("chat-message", getConfig().limits.chatMessagesPerMinute);
  const verdict = await limiter.consume(userId);
  if (!verdict.allowed) {
    countRateLimited("chat_messages");
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

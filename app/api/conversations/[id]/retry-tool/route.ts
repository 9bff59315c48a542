import { getOwnedConversation } from "@/lib/chat/conversations";
import { conversationIdSchema } from "@/lib/chat/schemas";
import { retryLastToolCall } from "@/lib/connections/retry";
import { parseWith } from "@/lib/http/body";
import { json, userRoute } from "@/lib/http/route";
import { limitChatMessages } from "@/lib/limits/chat";

export const dynamic = "force-dynamic";

/**
 * Retries the conversation's last failed tool call (after connecting its provider) in a new,
 * hidden run: 202 `{ runId }`; 409 while a run is active or when there is nothing to retry.
 */
export const POST = userRoute<{ id: string }>(async ({ params, correlationId, principal }) => {
  const { id } = parseWith(conversationIdSchema, params);
  const conversation = await getOwnedConversation(principal, id);
  await limitChatMessages(principal.userId);
  const run = await retryLastToolCall({ principal, conversation, correlationId });
  return json({ runId: run.id }, 202);
});

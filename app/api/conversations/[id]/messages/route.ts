import { getOwnedConversation } from "@/lib/chat/conversations";
import { startRun } from "@/lib/chat/run-driver";
import { conversationIdSchema, sendMessageSchema } from "@/lib/chat/schemas";
import { parseWith, readJson } from "@/lib/http/body";
import { json, userRoute } from "@/lib/http/route";
import { limitChatMessages } from "@/lib/limits/chat";

export const dynamic = "force-dynamic";

export const POST = userRoute<{ id: string }>(async ({ req, params, correlationId, principal }) => {
  const { id } = parseWith(conversationIdSchema, params);
  const { text } = await readJson(req, sendMessageSchema());
  const conversation = await getOwnedConversation(principal, id);
  await limitChatMessages(principal.userId);
  const run = await startRun({ principal, conversation, text, correlationId });
  return json({ runId: run.id }, 202);
});

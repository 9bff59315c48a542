import { getOwnedConversation } from "@/lib/chat/conversations";
import { startRun } from "@/lib/chat/run-driver";
import { conversationIdSchema, sendMessageSchema } from "@/lib/chat/schemas";
import { parseWith, readJson } from "@/lib/http/body";
import { json, route } from "@/lib/http/route";
import { authenticate } from "@/lib/identity/authenticate";
import { limitChatMessages } from "@/lib/limits/chat";

export const dynamic = "force-dynamic";

export const POST = route<{ id: string }>(async ({ req, params, correlationId }) => {
  const { id } = parseWith(conversationIdSchema, params);
  const { text } = await readJson(req, sendMessageSchema());
  const principal = await authenticate(req);
  const conversation = await getOwnedConversation(principal, id);
  await limitChatMessages(principal.userId);
  const run = await startRun({ principal, conversation, text, correlationId });
  return json({ runId: run.id }, 202);
});

import { conversationView } from "@/lib/chat/conversation-view";
import {
  deleteConversation,
  getOwnedConversation,
  renameConversation,
  toSummary,
} from "@/lib/chat/conversations";
import { cancelRun } from "@/lib/chat/run-driver";
import { conversationIdSchema, renameConversationSchema } from "@/lib/chat/schemas";
import { parseWith, readJson } from "@/lib/http/body";
import { json, noContent, userRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";
type Params = { id: string };

export const GET = userRoute<Params>(async ({ params, principal }) => {
  const { id } = parseWith(conversationIdSchema, params);
  const row = await getOwnedConversation(principal, id);
  return json({ ...toSummary(row), ...(await conversationView(row.id)) });
});

export const PATCH = userRoute<Params>(async ({ req, params, principal }) => {
  const { id } = parseWith(conversationIdSchema, params);
  const body = await readJson(req, renameConversationSchema);
  return json(toSummary(await renameConversation(principal, id, body.title)));
});

export const DELETE = userRoute<Params>(async ({ params, correlationId, principal }) => {
  const { id } = parseWith(conversationIdSchema, params);
  await getOwnedConversation(principal, id);
  await cancelRun(id, correlationId);
  await deleteConversation(principal, id);
  return noContent();
});

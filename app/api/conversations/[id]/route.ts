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
import { json, noContent, route } from "@/lib/http/route";
import { authenticate } from "@/lib/identity/authenticate";

export const dynamic = "force-dynamic";
type Params = { id: string };

export const GET = route<Params>(async ({ req, params }) => {
  const { id } = parseWith(conversationIdSchema, params);
  const principal = await authenticate(req);
  const row = await getOwnedConversation(principal, id);
  return json({ ...toSummary(row), ...(await conversationView(row.id)) });
});

export const PATCH = route<Params>(async ({ req, params }) => {
  const { id } = parseWith(conversationIdSchema, params);
  const body = await readJson(req, renameConversationSchema);
  const principal = await authenticate(req);
  return json(toSummary(await renameConversation(principal, id, body.title)));
});

export const DELETE = route<Params>(async ({ req, params, correlationId }) => {
  const { id } = parseWith(conversationIdSchema, params);
  const principal = await authenticate(req);
  await getOwnedConversation(principal, id);
  await cancelRun(id, correlationId);
  await deleteConversation(principal, id);
  return noContent();
});

import { getAgentCatalog } from "@/lib/agents/catalog";
import {
  createConversation,
  deriveTitle,
  listConversations,
  toSummary,
} from "@/lib/chat/conversations";
import { startRun } from "@/lib/chat/run-driver";
import { createConversationSchema } from "@/lib/chat/schemas";
import { readJson } from "@/lib/http/body";
import { json, userRoute } from "@/lib/http/route";
import { limitChatMessages } from "@/lib/limits/chat";

export const dynamic = "force-dynamic";

export const GET = userRoute(async ({ principal }) => {
  const rows = await listConversations(principal);
  return json({ items: rows.map(toSummary) });
});

/**
 * Creates a conversation; with `message` it also starts the first run (202-like `runId` in the
 * body), so a tab closed while the first message is on its way leaves no empty conversation.
 */
export const POST = userRoute(async ({ req, principal, correlationId }) => {
  const body = await readJson(req, createConversationSchema());
  const agent = await getAgentCatalog(principal).resolve(body.agent);
  const text = body.message;
  if (text !== undefined) await limitChatMessages(principal.userId);
  const row = await createConversation(principal, { agentName: agent.name, title: body.title });
  const run =
    text !== undefined
      ? await startRun({ principal, conversation: row, text, correlationId })
      : undefined;
  const s = toSummary(row);
  const title = text !== undefined && !body.title ? deriveTitle(text) : s.title;
  return json(
    { id: s.id, title, agent: s.agent, createdAt: s.createdAt, ...(run ? { runId: run.id } : {}) },
    201,
    { location: `/api/conversations/${s.id}` },
  );
});

import { getAgentCatalog } from "@/lib/agents/catalog";
import { createConversation, listConversations, toSummary } from "@/lib/chat/conversations";
import { createConversationSchema } from "@/lib/chat/schemas";
import { readJson } from "@/lib/http/body";
import { json, userRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = userRoute(async ({ principal }) => {
  const rows = await listConversations(principal);
  return json({ items: rows.map(toSummary) });
});

export const POST = userRoute(async ({ req, principal }) => {
  const body = await readJson(req, createConversationSchema);
  const agent = await getAgentCatalog(principal).resolve(body.agent);
  const row = await createConversation(principal, { agentName: agent.name, title: body.title });
  const s = toSummary(row);
  return json({ id: s.id, title: s.title, agent: s.agent, createdAt: s.createdAt }, 201, {
    location: `/api/conversations/${s.id}`,
  });
});

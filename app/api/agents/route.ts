import { getAgentCatalog } from "@/lib/agents/catalog";
import { json, userRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = userRoute(async ({ principal }) => {
  return json({ items: await getAgentCatalog(principal).list() });
});

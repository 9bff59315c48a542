import { getAgentCatalog } from "@/lib/agents/catalog";
import { json, route } from "@/lib/http/route";
import { authenticate } from "@/lib/identity/authenticate";

export const dynamic = "force-dynamic";

export const GET = route(async ({ req }) => {
  const principal = await authenticate(req);
  return json({ items: await getAgentCatalog(principal).list() });
});

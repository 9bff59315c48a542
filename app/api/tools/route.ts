import { json, userRoute } from "@/lib/http/route";
import { loadCatalog } from "@/mcp-server/catalog";
import { describeTool } from "@/mcp-server/describe";
import { visibleTools } from "@/mcp-server/policy";

/**
 * The tool catalog as the caller may use it: name, title, description, provider, risk, approval
 * (and who approves), annotations and JSON Schemas. Same policy as tools/list on /api/mcp.
 */
export const dynamic = "force-dynamic";

export const GET = userRoute(async ({ principal }) => {
  return json({ items: visibleTools(principal, await loadCatalog()).map((t) => describeTool(t)) });
});

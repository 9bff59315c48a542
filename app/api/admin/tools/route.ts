import { requireAdmin } from "@/lib/admin/authorize";
import { json, userRoute } from "@/lib/http/route";
import { adminCatalog } from "@/mcp-server/admin-catalog";
import { loadCatalog } from "@/mcp-server/catalog";
import { toolSourceStatus } from "@/mcp-server/catalog/sources";

export const dynamic = "force-dynamic";

/**
 * The whole tool catalog (offered or not) with each tool's risk, approval rule, who may call it,
 * annotations, schemas, and where the policy decided it (mcp-server/policy.ts); and the state of
 * each configured tool source (OpenAPI backends, upstream MCP servers, Composio). Admins only.
 */
export const GET = userRoute(async ({ principal }) => {
  requireAdmin(principal);
  const items = adminCatalog(await loadCatalog());
  return json({ items, sources: toolSourceStatus() });
});

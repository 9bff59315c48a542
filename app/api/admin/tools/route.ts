import { requireAdmin } from "@/lib/admin/authorize";
import { json, userRoute } from "@/lib/http/route";
import { adminCatalog } from "@/mcp-server/admin-catalog";
import { loadCatalog } from "@/mcp-server/catalog";

export const dynamic = "force-dynamic";

/**
 * The whole tool catalog (offered or not) with each tool's risk, approval rule, who may call it,
 * annotations, schemas, and where the policy decided it (mcp-server/policy.ts). Admins only.
 */
export const GET = userRoute(async ({ principal }) => {
  requireAdmin(principal);
  return json({ items: adminCatalog(await loadCatalog()) });
});

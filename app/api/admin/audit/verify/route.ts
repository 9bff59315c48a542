import { requireAdmin } from "@/lib/admin/authorize";
import { verifyAuditChain } from "@/lib/audit";
import { json, userRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/**
 * Recomputes the whole hash chain: `{ ok, checked, lastHash }`, and on a break the first broken
 * entry (`brokenAt`) and why. Admins only.
 */
export const POST = userRoute(async ({ principal }) => {
  requireAdmin(principal);
  const verdict = await verifyAuditChain();
  const { rows, ...rest } = verdict;
  return json({ ...rest, checked: rows, verifiedAt: new Date().toISOString() });
});

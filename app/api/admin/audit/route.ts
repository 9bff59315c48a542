import { requireAdmin } from "@/lib/admin/authorize";
import { auditListQuerySchema, listAudit } from "@/lib/admin/audit-store";
import { parseWith } from "@/lib/http/body";
import { json, userRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/**
 * The audit log, newest first, filtered by `user` (username or id), `tool`, `outcome` and
 * [`from`, `to`); `limit` rows a page, `cursor` from the previous page's `nextCursor`. Admins only.
 */
export const GET = userRoute(async ({ req, principal }) => {
  const { cursor, limit, ...filter } = parseWith(
    auditListQuerySchema,
    Object.fromEntries(new URL(req.url).searchParams),
  );
  requireAdmin(principal);
  return json(await listAudit(filter, { cursor, limit }));
});

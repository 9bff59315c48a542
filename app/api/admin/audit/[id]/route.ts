import { requireAdmin } from "@/lib/admin/authorize";
import { auditIdSchema, getAuditEntry } from "@/lib/admin/audit-store";
import { AppError } from "@/lib/errors";
import { parseWith } from "@/lib/http/body";
import { json, userRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** One audit entry with its own hash and link checked. Admins only; 404 for no such entry. */
export const GET = userRoute<{ id: string }>(async ({ params, principal }) => {
  const { id } = parseWith(auditIdSchema, params);
  requireAdmin(principal);
  const entry = await getAuditEntry(Number(id));
  if (!entry) throw new AppError("not_found", "No audit entry has this id.");
  return json(entry);
});

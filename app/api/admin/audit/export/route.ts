import { z } from "zod";
import { requireAdmin } from "@/lib/admin/authorize";
import { auditFilterShape, iterateAudit } from "@/lib/admin/audit-store";
import { EXPORT_CONTENT_TYPES, exportFileName, exportStream } from "@/lib/admin/export";
import { parseWith } from "@/lib/http/body";
import { userRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

const exportQuerySchema = z.strictObject({
  format: z.enum(["jsonl", "csv"]).default("jsonl"),
  ...auditFilterShape,
});

/**
 * The audit entries matching the filters, in chain order, streamed as JSON Lines or CSV and
 * offered as a download. Admins only.
 */
export const GET = userRoute(async ({ req, principal }) => {
  const { format, ...filter } = parseWith(
    exportQuerySchema,
    Object.fromEntries(new URL(req.url).searchParams),
  );
  requireAdmin(principal);
  return new Response(exportStream(iterateAudit(filter), format), {
    headers: {
      "content-type": EXPORT_CONTENT_TYPES[format],
      "content-disposition": `attachment; filename="${exportFileName(format, new Date())}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
});

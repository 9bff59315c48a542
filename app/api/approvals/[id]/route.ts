import { currentFeedSeq } from "@/lib/approvals/feed";
import { toApprovalView } from "@/lib/approvals/present";
import { getDb } from "@/lib/db/client";
import { canSee } from "@/lib/approvals/rules";
import { approvalIdSchema } from "@/lib/approvals/schemas";
import { getApproval } from "@/lib/approvals/store";
import { AppError } from "@/lib/errors";
import { parseWith } from "@/lib/http/body";
import { json, userRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = userRoute<{ id: string }>(async ({ params, principal }) => {
  const { id } = parseWith(approvalIdSchema, params);
  const feedSeq = await currentFeedSeq(await getDb());
  const row = await getApproval(id);
  if (!row || !canSee(principal, row)) throw new AppError("not_found", "No such approval request.");
  return json({ ...toApprovalView(row, principal), feedSeq });
});

import { approvalIdSchema, decisionSchema } from "@/lib/approvals/schemas";
import { decideApproval } from "@/lib/approvals/store";
import { continueAfterDecision } from "@/lib/chat/run-driver";
import { parseWith, readJson } from "@/lib/http/body";
import { json, userRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Decides once (409 afterwards); a chat run waiting for it continues server-side. */
export const POST = userRoute<{ id: string }>(async ({ req, params, correlationId, principal }) => {
  const { id } = parseWith(approvalIdSchema, params);
  const { approve, reason } = await readJson(req, decisionSchema);
  const row = await decideApproval({
    id,
    principal,
    approve,
    ...(reason ? { reason } : {}),
    correlationId,
  });
  await continueAfterDecision(row, correlationId);
  return json({
    id: row.id,
    status: row.status,
    decidedBy: row.decidedByName ?? row.decidedBy,
    decidedAt: row.decidedAt?.toISOString(),
  });
});

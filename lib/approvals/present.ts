import { getConfig } from "@/lib/config";
import type { ApprovalRow } from "@/lib/db/schema";
import type { Principal } from "@/lib/identity/principal";
import { decisionVerdict } from "./rules";
import type { ApprovalView } from "./view";

/** The caller's view of an approval (the conversation id only for the requester). */
export function toApprovalView(
  row: ApprovalRow,
  viewer: Principal,
  now = new Date(),
): ApprovalView {
  const own = viewer.kind === "user" && viewer.userId === row.requesterId;
  return {
    id: row.id,
    status: row.status,
    source: row.source,
    tool: row.tool,
    serverLabel: row.serverLabel,
    arguments: row.arguments,
    risk: row.risk,
    requiredRole: row.requiredRole,
    requester: { id: row.requesterId, name: row.requesterName },
    conversationId: own ? row.conversationId : null,
    context: row.context,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    decidedBy:
      row.decidedBy !== null
        ? { id: row.decidedBy, name: row.decidedByName ?? row.decidedBy }
        : null,
    decidedAt: row.decidedAt?.toISOString() ?? null,
    reason: row.reason,
    canDecide: decisionVerdict(viewer, row, now).ok,
  };
}

/** Where a person opens one approval in the app (the ledger's `approval_url`). */
export function approvalUrl(id: string): string {
  return `${getConfig().appUrl}/approvals/${encodeURIComponent(id)}`;
}

import type { ApprovalBlock } from "@/lib/chat/reducer";
import { prettyJson } from "./format";

const riskTone: Record<string, string> = {
  read: "bg-muted text-muted-foreground",
  write: "bg-warning text-warning-foreground",
  privileged: "bg-destructive/15 text-destructive",
};

/**
 * A tool call that needs approval: what would run, where, and how risky it is. The decision
 * controls plug in here (`actions`) once the approvals capability provides them.
 */
export function ApprovalCard({
  block,
  actions,
}: {
  block: ApprovalBlock;
  actions?: React.ReactNode;
}) {
  const state = {
    pending: "Waiting for approval",
    approved: `Approved${block.decidedBy ? ` by ${block.decidedBy}` : ""}`,
    rejected: `Rejected${block.decidedBy ? ` by ${block.decidedBy}` : ""}`,
    expired: "No decision was made",
  }[block.status];
  return (
    <section
      aria-label={`Approval request for ${block.name}`}
      className="my-2 rounded-lg border border-warning-foreground/30 bg-card p-3 text-sm"
    >
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-medium">Approval needed</span>
        <span className="font-mono">{block.name}</span>
        <span className="text-xs text-muted-foreground">on {block.serverLabel}</span>
        {block.risk ? (
          <span className={`rounded px-1.5 py-0.5 text-xs ${riskTone[block.risk]}`}>
            {block.risk}
          </span>
        ) : null}
        <span className="ml-auto text-xs text-muted-foreground">{state}</span>
      </div>
      <pre className="mt-2 max-h-60 overflow-auto rounded bg-muted p-2 text-xs">
        {prettyJson(block.arguments)}
      </pre>
      {block.reason ? (
        <p className="mt-2 text-xs text-muted-foreground">Reason: {block.reason}</p>
      ) : null}
      {block.status === "pending" && actions ? (
        <div className="mt-3 flex gap-2">{actions}</div>
      ) : null}
    </section>
  );
}

"use client";

import { useState } from "react";
import {
  announceApprovalsChanged,
  useApprovalsClient,
} from "@/components/approvals/ApprovalsClientContext";
import { DecisionControls } from "@/components/approvals/DecisionControls";
import { RiskBadge } from "@/components/approvals/RiskBadge";
import { ApiError } from "@/lib/approvals/api-client";
import type { ApprovalBlock } from "@/lib/chat/reducer";
import { prettyJson } from "./format";

interface LocalDecision {
  status: "approved" | "rejected";
  decidedBy?: string;
  reason?: string;
}

/**
 * A tool call that needs approval: what would run, where, how risky it is, and its state. The
 * requester decides a `write` (or unrated) call right here; a `privileged` call waits for someone
 * else with the Approver role (their inbox). The state is a live region, so a screen reader hears
 * "Approved by Carol" when it happens. `actions` adds extra controls while pending.
 */
export function ApprovalCard({
  block,
  actions,
}: {
  block: ApprovalBlock;
  actions?: React.ReactNode;
}) {
  const client = useApprovalsClient();
  // The decision as the server answered it, until the conversation stream says the same.
  const [local, setLocal] = useState<LocalDecision>();
  // Why a decision was refused; it stays readable once the stream ends the pending state.
  const [notice, setNotice] = useState<string>();
  const decided = block.status === "pending" && local ? local : undefined;
  const status = decided?.status ?? block.status;
  const decidedBy = decided ? decided.decidedBy : block.decidedBy;
  const reason = decided ? decided.reason : block.reason;
  const privileged = block.risk === "privileged";
  const canDecide = status === "pending" && !privileged && !!block.approvalId && !!client;

  const decide = async (approve: boolean, why?: string) => {
    if (!client || !block.approvalId) return;
    setNotice(undefined);
    let result;
    try {
      result = await client.decide(block.approvalId, approve, why);
    } catch (err) {
      if (err instanceof ApiError) setNotice(err.message);
      throw err;
    }
    setLocal({
      status: result.status,
      ...(result.decidedBy ? { decidedBy: result.decidedBy } : {}),
      ...(why ? { reason: why } : {}),
    });
    announceApprovalsChanged();
  };

  const by = decidedBy ? ` by ${decidedBy}` : "";
  const state = {
    pending: privileged
      ? "Waiting for an approver"
      : canDecide
        ? "Waiting for your decision"
        : "Waiting for approval",
    approved: `Approved${by}`,
    rejected: `Rejected${by}`,
    expired: "Expired — no decision was made",
  }[status];
  const tone = {
    pending: "border-warning-foreground/30",
    approved: "border-primary/30",
    rejected: "border-destructive/40",
    expired: "border-border",
  }[status];

  return (
    <section
      aria-label={`Approval request for ${block.name}`}
      data-testid="approval-card"
      data-status={status}
      className={`my-2 rounded-lg border bg-card p-3 text-sm ${tone}`}
    >
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-medium">
          {status === "pending" ? "Approval needed" : "Approval request"}
        </span>
        <span className="font-mono break-all">{block.name}</span>
        <span className="text-xs text-muted-foreground">on {block.serverLabel}</span>
        {block.risk ? <RiskBadge risk={block.risk} /> : null}
      </div>
      <pre tabIndex={0} className="mt-2 max-h-60 overflow-auto rounded bg-muted p-2 text-xs">
        {prettyJson(block.arguments)}
      </pre>
      <div role="status" className="mt-2">
        <p className={`font-medium ${status === "rejected" ? "text-destructive" : ""}`}>{state}</p>
        {status === "pending" && privileged ? (
          <p className="mt-0.5 text-xs text-muted-foreground">
            This action is privileged, so someone else with the Approver role has to approve it. It
            is in their approvals inbox; the agent continues here as soon as they decide.
          </p>
        ) : null}
        {status === "expired" ? (
          <p className="mt-0.5 text-xs text-muted-foreground">
            The tool was not run. Send your message again to ask once more.
          </p>
        ) : null}
        {(status === "approved" || status === "rejected") && reason ? (
          <p className="mt-0.5 text-xs text-muted-foreground">Reason: {reason}</p>
        ) : null}
      </div>
      {canDecide ? <DecisionControls onDecide={decide} /> : null}
      {!canDecide && notice ? (
        <p role="alert" className="mt-2 rounded-md bg-destructive/10 px-2 py-1.5 text-destructive">
          {notice}
        </p>
      ) : null}
      {status === "pending" && actions ? <div className="mt-3 flex gap-2">{actions}</div> : null}
    </section>
  );
}

"use client";

import Link from "next/link";
import { useId } from "react";
import { prettyJson } from "@/components/chat/blocks/format";
import type { ApprovalView } from "@/lib/approvals/view";
import { DecisionControls } from "./DecisionControls";
import { expiryText, fullDate, timeAgo } from "./format";
import { RiskBadge } from "./RiskBadge";

export type DecideById = (id: string, approve: boolean, reason?: string) => Promise<void>;

const statusTone: Record<ApprovalView["status"], string> = {
  pending: "bg-warning text-warning-foreground",
  approved: "bg-primary/15 text-primary",
  rejected: "bg-destructive/15 text-destructive",
  expired: "bg-muted text-muted-foreground",
};

/** A sentence for the approval's state: "Approved by Carol Chen", "Expired — no decision was made". */
export function statusText(a: ApprovalView, now: number): string {
  const by = a.decidedBy ? ` by ${a.decidedBy.name}` : "";
  switch (a.status) {
    case "approved":
      return `Approved${by}`;
    case "rejected":
      return `Rejected${by}`;
    case "expired":
      return "Expired — no decision was made";
    case "pending":
      if (Date.parse(a.expiresAt) <= now) return "Expired — no decision was made";
      if (a.canDecide) return "Waiting for your decision";
      return a.requiredRole ? `Waiting for an approver (${a.requiredRole} role)` : "Pending";
  }
}

/**
 * One approval request: tool, server, risk, requester, the message that led to it, arguments,
 * age and expiry, and — when the viewer may decide — Approve / Reject with a reason.
 */
export function ApprovalItem({
  approval: a,
  now,
  onDecide,
  notice,
  headingLevel = 3,
  linkToDetail = true,
}: {
  approval: ApprovalView;
  now: number;
  onDecide?: DecideById;
  /** Why the last decision taken here was refused; shown once the controls are gone. */
  notice?: string;
  headingLevel?: 2 | 3;
  linkToDetail?: boolean;
}) {
  const titleId = useId();
  const contextId = useId();
  const expired = a.status === "expired" || Date.parse(a.expiresAt) <= now;
  const decidable = a.status === "pending" && a.canDecide && !expired && !!onDecide;
  const Heading = headingLevel === 2 ? "h2" : "h3";

  const decide = (approve: boolean, reason?: string) => onDecide!(a.id, approve, reason);

  return (
    <article
      aria-labelledby={titleId}
      data-testid="approval-item"
      data-status={a.status}
      className="rounded-lg border bg-card p-4 text-sm text-card-foreground"
    >
      <div className="flex flex-wrap items-center gap-2">
        <Heading id={titleId} className="font-mono text-[15px] font-semibold break-all">
          {linkToDetail ? (
            <Link href={`/approvals/${a.id}`} className="hover:underline">
              {a.tool}
            </Link>
          ) : (
            a.tool
          )}
        </Heading>
        <span className="text-xs text-muted-foreground">on {a.serverLabel}</span>
        <RiskBadge risk={a.risk} />
        <span
          role="status"
          className={`ml-auto rounded-full px-2 py-0.5 text-xs font-medium ${statusTone[expired && a.status === "pending" ? "expired" : a.status]}`}
        >
          {statusText(a, now)}
        </span>
      </div>

      <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 text-xs">
        <dt className="text-muted-foreground">Requested by</dt>
        <dd>{a.requester.name}</dd>
        <dt className="text-muted-foreground">Requested</dt>
        <dd>
          <time dateTime={a.createdAt} title={fullDate(a.createdAt)}>
            {timeAgo(a.createdAt, now)}
          </time>
          {a.source === "mcp" ? " · from an MCP client" : ""}
        </dd>
        {a.status === "pending" ? (
          <>
            <dt className="text-muted-foreground">Expiry</dt>
            <dd>
              <time dateTime={a.expiresAt} title={fullDate(a.expiresAt)}>
                {expiryText(a.expiresAt, now)}
              </time>
            </dd>
          </>
        ) : a.decidedAt ? (
          <>
            <dt className="text-muted-foreground">Decided</dt>
            <dd>
              <time dateTime={a.decidedAt} title={fullDate(a.decidedAt)}>
                {timeAgo(a.decidedAt, now)}
              </time>
            </dd>
          </>
        ) : null}
        {a.reason ? (
          <>
            <dt className="text-muted-foreground">Reason</dt>
            <dd className="whitespace-pre-wrap">{a.reason}</dd>
          </>
        ) : null}
      </dl>

      {a.context ? (
        <figure className="mt-3">
          <figcaption id={contextId} className="text-xs text-muted-foreground">
            {a.requester.name}&rsquo;s message
          </figcaption>
          <blockquote
            aria-labelledby={contextId}
            className="mt-1 border-l-2 border-primary/40 pl-3 whitespace-pre-wrap"
          >
            {a.context}
          </blockquote>
        </figure>
      ) : null}

      <p className="mt-3 text-xs text-muted-foreground">Arguments</p>
      <pre tabIndex={0} className="mt-1 max-h-60 overflow-auto rounded bg-muted p-2 text-xs">
        {prettyJson(a.arguments)}
      </pre>

      {a.conversationId ? (
        <p className="mt-2 text-xs">
          <Link href={`/c/${a.conversationId}`} className="text-primary hover:underline">
            Open the conversation
          </Link>
        </p>
      ) : null}

      {decidable ? <DecisionControls onDecide={decide} /> : null}
      {a.status === "pending" && !a.canDecide && !expired && a.requiredRole ? (
        <p className="mt-2 text-xs text-muted-foreground">
          Someone else with the {a.requiredRole} role has to decide this request.
        </p>
      ) : null}
      {!decidable && notice ? (
        <p role="alert" className="mt-2 rounded-md bg-destructive/10 px-2 py-1.5 text-destructive">
          {notice}
        </p>
      ) : null}
    </article>
  );
}

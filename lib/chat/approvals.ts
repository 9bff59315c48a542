import { argumentHash } from "@/lib/audit";
import {
  approvalsOfRun,
  createApproval,
  createApprovedLike,
  findApprovedLike,
} from "@/lib/approvals/store";
import { parseAuthRequired } from "@/lib/connections/auth-required";
import { draft, type ChatEventDraft } from "@/lib/chat/events";
import type { ApprovalRow } from "@/lib/db/schema";
import type { Principal } from "@/lib/identity/principal";
import { riskOfCall } from "@/mcp-server/risk";
import { appendEvents, latestEventsOfType } from "./event-log";

/**
 * The chat side of approvals: an `approval.requested` draft becomes an approval record (its id
 * and risk go into the event), and a decision is announced in the requester's conversation.
 * Continuing the run is the RunDriver's (continueRun).
 */
export async function recordApprovalRequests(
  drafts: ChatEventDraft[],
  ctx: { conversationId: string; runId: string; correlationId: string; requester: Principal },
): Promise<ChatEventDraft[]> {
  if (!drafts.some((d) => d.type === "approval.requested")) return drafts;
  const context = await runInput(ctx.conversationId, ctx.runId);
  const out: ChatEventDraft[] = [];
  for (const d of drafts) {
    if (d.type !== "approval.requested") {
      out.push(d);
      continue;
    }
    const argsHash = argumentHash(parseArguments(d.data.arguments));
    const linked = await linkToEarlierApproval(d.data, argsHash, ctx);
    if (linked) {
      out.push(
        draft("approval.requested", { ...d.data, approvalId: linked.id, risk: linked.risk }),
        draft("approval.decided", {
          approvalRequestId: d.data.approvalRequestId,
          approve: true,
          ...(linked.reason ? { reason: linked.reason } : {}),
          ...(linked.decidedByName ? { decidedBy: linked.decidedByName } : {}),
        }),
      );
      continue;
    }
    const risk = riskOfCall(d.data.serverLabel, d.data.name);
    const row = await createApproval({
      source: "chat",
      tool: d.data.name,
      serverLabel: d.data.serverLabel,
      arguments: d.data.arguments,
      argsHash,
      risk,
      requester: ctx.requester,
      conversationId: ctx.conversationId,
      runId: ctx.runId,
      upstreamRequestId: d.data.approvalRequestId,
      ...(context ? { context } : {}),
      correlationId: ctx.correlationId,
    });
    out.push(draft("approval.requested", { ...d.data, approvalId: row.id, risk: row.risk }));
  }
  return out;
}

/**
 * A call the user already approved in this conversation, which did nothing (the ledger gave the
 * approval back, e.g. `auth_required` before the provider was connected), is asked for again by a
 * retry: it is linked to that decision instead of asking twice — recorded approved by the same
 * decider, and the earlier approval is used up (createApprovedLike). Only for the same requester,
 * tool, server, canonical arguments and conversation, while the earlier approval is approved,
 * unused and within its use window. The run then continues at once (nothing is pending).
 */
async function linkToEarlierApproval(
  data: { approvalRequestId: string; name: string; serverLabel: string; arguments: string },
  argsHash: string,
  ctx: { conversationId: string; runId: string; correlationId: string; requester: Principal },
): Promise<ApprovalRow | undefined> {
  if (ctx.requester.kind !== "user") return undefined;
  const previous = await findApprovedLike({
    tool: data.name,
    serverLabel: data.serverLabel,
    argsHash,
    requesterId: ctx.requester.userId,
    conversationId: ctx.conversationId,
  });
  if (!previous) return undefined;
  const provider = await providerOfLastAuthFailure(ctx.conversationId, data.name);
  return createApprovedLike(previous, {
    requester: ctx.requester,
    conversationId: ctx.conversationId,
    runId: ctx.runId,
    upstreamRequestId: data.approvalRequestId,
    tool: data.name,
    serverLabel: data.serverLabel,
    arguments: data.arguments,
    argsHash,
    reason: provider
      ? `Approved earlier; retried after connecting ${provider}`
      : "Approved earlier; retried",
    correlationId: ctx.correlationId,
  });
}

/** The provider (display name) the conversation's last failed call of `tool` asked to connect. */
async function providerOfLastAuthFailure(
  conversationId: string,
  tool: string,
): Promise<string | undefined> {
  for (const { data } of await latestEventsOfType(conversationId, "tool.call.failed")) {
    const d = data as { name?: unknown; error?: unknown };
    if (d.name !== tool || typeof d.error !== "string") continue;
    const failure = parseAuthRequired(tool, d.error);
    if (failure) return failure.displayName;
  }
  return undefined;
}

/** The decision, in the conversation that asked (the requester's page shows it live). */
export async function announceDecision(row: ApprovalRow, correlationId: string): Promise<void> {
  if (!row.conversationId || !row.runId || !row.upstreamRequestId) return;
  if (row.status !== "approved" && row.status !== "rejected") return;
  await appendEvents({ conversationId: row.conversationId, runId: row.runId, correlationId }, [
    draft("approval.decided", {
      approvalRequestId: row.upstreamRequestId,
      approve: row.status === "approved",
      ...(row.reason ? { reason: row.reason } : {}),
      ...(row.decidedByName ? { decidedBy: row.decidedByName } : {}),
    }),
  ]);
}

/** What the agent service gets for each decided request of a run. */
export function approvalResponses(rows: ApprovalRow[]): unknown[] {
  return rows
    .filter((r) => r.upstreamRequestId && (r.status === "approved" || r.status === "rejected"))
    .map((r) => ({
      type: "mcp_approval_response",
      approval_request_id: r.upstreamRequestId,
      approve: r.status === "approved",
      ...(r.reason ? { reason: r.reason } : {}),
    }));
}

export async function pendingApprovalsOfRun(runId: string): Promise<ApprovalRow[]> {
  return (await approvalsOfRun(runId)).filter((r) => r.status === "pending");
}

/** Arguments are JSON text; text that is not JSON is hashed as the string it is. */
export function parseArguments(text: string): unknown {
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * The user's message that started the run, for the deciders' context; for a hidden run (the app's
 * retry) the user's latest message before it.
 */
async function runInput(conversationId: string, runId: string): Promise<string | undefined> {
  const [row] = await latestEventsOfType(conversationId, "run.started", { runId, limit: 1 });
  const data = row?.data as { input?: unknown; hidden?: unknown } | undefined;
  if (data?.hidden === true) return latestVisibleInput(conversationId);
  return typeof data?.input === "string" ? data.input : undefined;
}

async function latestVisibleInput(conversationId: string): Promise<string | undefined> {
  for (const { data } of await latestEventsOfType(conversationId, "run.started")) {
    const d = data as { input?: unknown; hidden?: unknown };
    if (d.hidden !== true && typeof d.input === "string") return d.input;
  }
  return undefined;
}

import { and, eq } from "drizzle-orm";
import { argumentHash } from "@/lib/audit";
import { approvalsOfRun, createApproval } from "@/lib/approvals/store";
import { draft, type ChatEventDraft } from "@/lib/chat/events";
import { getDb } from "@/lib/db/client";
import { conversationEvents, type ApprovalRow } from "@/lib/db/schema";
import type { Principal } from "@/lib/identity/principal";
import { riskOfCall } from "@/mcp-server/risk";
import { appendEvents } from "./event-log";

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
    const risk = riskOfCall(d.data.serverLabel, d.data.name);
    const row = await createApproval({
      source: "chat",
      tool: d.data.name,
      serverLabel: d.data.serverLabel,
      arguments: d.data.arguments,
      argsHash: argumentHash(parseArguments(d.data.arguments)),
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

/** The user's message that started the run, for the deciders' context. */
async function runInput(conversationId: string, runId: string): Promise<string | undefined> {
  const db = await getDb();
  const [row] = await db
    .select({ data: conversationEvents.data })
    .from(conversationEvents)
    .where(
      and(
        eq(conversationEvents.conversationId, conversationId),
        eq(conversationEvents.runId, runId),
        eq(conversationEvents.type, "run.started"),
      ),
    )
    .limit(1);
  const input = (row?.data as { input?: unknown } | undefined)?.input;
  return typeof input === "string" ? input : undefined;
}

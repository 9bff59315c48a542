import { and, asc, desc, eq, gt, inArray, isNull, lte, ne, or, sql, type SQL } from "drizzle-orm";
import { appendAudit } from "@/lib/audit";
import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db/client";
import {
  approvals,
  type ApprovalRisk,
  type ApprovalRow,
  type ApprovalSource,
} from "@/lib/db/schema";
import { AppError } from "@/lib/errors";
import { prefixedId } from "@/lib/ids";
import type { Principal } from "@/lib/identity/principal";
import { logger } from "@/lib/log";
import { countApproval, observeApprovalDecision } from "@/lib/telemetry/metrics";
import { announceFeed, appendFeed } from "./feed";
import { decisionVerdict, requiredRoleFor } from "./rules";

export interface NewApproval {
  source: ApprovalSource;
  tool: string;
  serverLabel: string;
  /** JSON text as requested. */
  arguments: string;
  argsHash: string;
  risk: ApprovalRisk;
  requester: Pick<Principal, "userId" | "name" | "username" | "kind">;
  conversationId?: string;
  runId?: string;
  upstreamRequestId?: string;
  context?: string;
  correlationId: string;
}

const CONTEXT_CHARS = 500;

/**
 * Records a request (pending, expiring after APPROVAL_TTL_SECONDS), announces it on the feed and
 * audits it. Idempotent per (run, upstream request): a replayed stream returns the first record.
 */
export async function createApproval(input: NewApproval): Promise<ApprovalRow> {
  const db = await getDb();
  const now = new Date();
  const ttl = getConfig().approvals.ttlSeconds;
  const row = {
    id: prefixedId("appr", 16),
    status: "pending" as const,
    source: input.source,
    tool: input.tool,
    serverLabel: input.serverLabel,
    arguments: input.arguments,
    argsHash: input.argsHash,
    risk: input.risk,
    requiredRole: requiredRoleFor(input.risk),
    requesterId: input.requester.userId,
    requesterName: input.requester.name || input.requester.username,
    requesterKind: input.requester.kind,
    conversationId: input.conversationId ?? null,
    runId: input.runId ?? null,
    upstreamRequestId: input.upstreamRequestId ?? null,
    context: input.context ? input.context.slice(0, CONTEXT_CHARS) : null,
    correlationId: input.correlationId,
    createdAt: now,
    expiresAt: new Date(now.getTime() + ttl * 1000),
  };
  const created = await db.transaction(async (tx) => {
    const [inserted] = await tx.insert(approvals).values(row).onConflictDoNothing().returning();
    if (!inserted) return undefined;
    return { row: inserted, seq: await appendFeed(tx, inserted.id, "approval.requested") };
  });
  if (!created) {
    const [existing] = await db
      .select()
      .from(approvals)
      .where(
        and(
          eq(approvals.runId, row.runId!),
          eq(approvals.upstreamRequestId, row.upstreamRequestId!),
        ),
      );
    if (!existing) throw new Error("approval insert conflicted but no row was found");
    return existing;
  }
  await afterChange(created.seq, created.row, "approval_requested", input.requester);
  return created.row;
}

export async function getApproval(id: string): Promise<ApprovalRow | undefined> {
  const db = await getDb();
  const [row] = await db.select().from(approvals).where(eq(approvals.id, id));
  return row;
}

export async function approvalsOfRun(runId: string): Promise<ApprovalRow[]> {
  const db = await getDb();
  return db
    .select()
    .from(approvals)
    .where(eq(approvals.runId, runId))
    .orderBy(asc(approvals.createdAt));
}

/**
 * Decides once. The status moves from `pending` only under a conditional UPDATE, so of several
 * concurrent deciders (on any replica) exactly one succeeds; the others get 409.
 */
export async function decideApproval(args: {
  id: string;
  principal: Principal;
  approve: boolean;
  reason?: string;
  correlationId: string;
}): Promise<ApprovalRow> {
  const { principal } = args;
  const existing = await getApproval(args.id);
  const now = new Date();
  if (!existing) throw new AppError("not_found", "No such approval request.");
  const verdict = decisionVerdict(principal, existing, now);
  if (!verdict.ok) throw new AppError(verdictCode(verdict.status), verdict.message);
  const db = await getDb();
  const useWindow = getConfig().approvals.useWindowSeconds * 1000;
  const decided = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(approvals)
      .set({
        status: args.approve ? "approved" : "rejected",
        decidedBy: principal.userId,
        decidedByName: principal.name || principal.username,
        decidedAt: now,
        reason: args.reason ?? null,
        // An approved call must be made soon; a rejected one is never usable.
        expiresAt: args.approve ? new Date(now.getTime() + useWindow) : now,
      })
      .where(
        and(
          eq(approvals.id, args.id),
          eq(approvals.status, "pending"),
          gt(approvals.expiresAt, now),
        ),
      )
      .returning();
    if (!row) return undefined;
    return { row, seq: await appendFeed(tx, row.id, "approval.decided") };
  });
  if (!decided) throw new AppError("conflict", "This request was already decided or has expired.");
  const decisionMs = now.getTime() - decided.row.createdAt.getTime();
  observeApprovalDecision(args.approve ? "approved" : "rejected", decisionMs / 1000);
  await afterChange(
    decided.seq,
    decided.row,
    args.approve ? "approval_approved" : "approval_rejected",
    principal,
    decisionMs,
    args.correlationId,
  );
  return decided.row;
}

function verdictCode(status: 403 | 404 | 409) {
  return status === 403 ? "forbidden" : status === 404 ? "not_found" : "conflict";
}

/** Pending requests past their expiry become `expired` (each by exactly one sweeper). */
export async function expireDue(now = new Date()): Promise<ApprovalRow[]> {
  return expireWhere(and(eq(approvals.status, "pending"), lte(approvals.expiresAt, now))!);
}

/** A run that ended (stopped, failed) leaves nothing to decide: its pending requests expire. */
export async function expireApprovalsOfRun(runId: string): Promise<ApprovalRow[]> {
  return expireWhere(and(eq(approvals.status, "pending"), eq(approvals.runId, runId))!);
}

async function expireWhere(condition: SQL): Promise<ApprovalRow[]> {
  const db = await getDb();
  const expired = await db.transaction(async (tx) => {
    const rows = await tx.update(approvals).set({ status: "expired" }).where(condition).returning();
    const out: { row: ApprovalRow; seq: number }[] = [];
    for (const row of rows)
      out.push({ row, seq: await appendFeed(tx, row.id, "approval.expired") });
    return out;
  });
  for (const { row, seq } of expired) {
    await afterChange(seq, row, "approval_expired", {
      userId: "system",
      username: "system",
      name: "system",
      kind: "app",
    });
  }
  return expired.map((e) => e.row);
}

/**
 * The ledger's atomic consume: the oldest approved, unexpired, unconsumed approval for this tool
 * and these canonical arguments (and this user, for user callers) is marked consumed in one
 * statement, so two concurrent calls can never both use it.
 */
export async function consumeApproval(args: {
  tool: string;
  argsHash: string;
  /** User callers match their own approvals; app callers (no user) match by tool and arguments. */
  requesterId: string | null;
  correlationId: string;
}): Promise<ApprovalRow | undefined> {
  const db = await getDb();
  const now = new Date();
  const conditions: SQL[] = [
    eq(approvals.tool, args.tool),
    eq(approvals.argsHash, args.argsHash),
    eq(approvals.status, "approved"),
    isNull(approvals.consumedAt),
    gt(approvals.expiresAt, now),
  ];
  if (args.requesterId) conditions.push(eq(approvals.requesterId, args.requesterId));
  return db.transaction(async (tx) => {
    const [candidate] = await tx
      .select({ id: approvals.id })
      .from(approvals)
      .where(and(...conditions))
      .orderBy(asc(approvals.decidedAt))
      .limit(1)
      .for("update", { skipLocked: true });
    if (!candidate) return undefined;
    const [row] = await tx
      .update(approvals)
      .set({ consumedAt: now, consumedCorrelationId: args.correlationId })
      .where(and(eq(approvals.id, candidate.id), isNull(approvals.consumedAt)))
      .returning();
    return row;
  });
}

/**
 * The ledger gives a consumed approval back when the call it was consumed for provably did
 * nothing (the tool refused before acting: provider not connected, not found, …), so the same
 * approved call can be made again within its use window. Only the consuming call can release it.
 */
export async function releaseApproval(args: {
  id: string;
  correlationId: string;
}): Promise<boolean> {
  const db = await getDb();
  const rows = await db
    .update(approvals)
    .set({ consumedAt: null, consumedCorrelationId: null })
    .where(and(eq(approvals.id, args.id), eq(approvals.consumedCorrelationId, args.correlationId)))
    .returning({ id: approvals.id });
  return rows.length > 0;
}

/** A pending request the ledger made for the same caller, tool and arguments (not a new one per retry). */
export async function findPendingLike(args: {
  tool: string;
  argsHash: string;
  requesterId: string;
}): Promise<ApprovalRow | undefined> {
  const db = await getDb();
  const [row] = await db
    .select()
    .from(approvals)
    .where(
      and(
        eq(approvals.tool, args.tool),
        eq(approvals.argsHash, args.argsHash),
        eq(approvals.requesterId, args.requesterId),
        eq(approvals.status, "pending"),
        gt(approvals.expiresAt, new Date()),
      ),
    )
    .orderBy(desc(approvals.createdAt))
    .limit(1);
  return row;
}

/** Marks a chat run's decided approvals as sent upstream; returns those this caller claimed. */
export async function claimContinuation(runId: string): Promise<ApprovalRow[]> {
  const db = await getDb();
  return db
    .update(approvals)
    .set({ continuedAt: new Date() })
    .where(
      and(
        eq(approvals.runId, runId),
        inArray(approvals.status, ["approved", "rejected"]),
        isNull(approvals.continuedAt),
      ),
    )
    .returning();
}

export interface ListQuery {
  principal: Principal;
  scope: "mine" | "inbox";
  status: "pending" | "decided";
  limit: number;
}

/** The caller's own requests, or those they may decide (newest first). */
export async function listApprovals(q: ListQuery): Promise<ApprovalRow[]> {
  const db = await getDb();
  const p = q.principal;
  const statusCond =
    q.status === "pending"
      ? and(eq(approvals.status, "pending"), gt(approvals.expiresAt, new Date()))
      : inArray(approvals.status, ["approved", "rejected", "expired"]);
  const whoCond =
    q.scope === "mine"
      ? eq(approvals.requesterId, p.userId)
      : or(
          and(isNull(approvals.requiredRole), eq(approvals.requesterId, p.userId)),
          and(
            p.roles.length > 0 ? inArray(approvals.requiredRole, p.roles) : sql`false`,
            // four-eyes: never your own privileged request
            or(eq(approvals.requesterKind, "app"), ne(approvals.requesterId, p.userId)),
          ),
        );
  return db
    .select()
    .from(approvals)
    .where(and(statusCond, whoCond))
    .orderBy(desc(q.status === "pending" ? approvals.createdAt : approvals.decidedAt))
    .limit(q.limit);
}

async function afterChange(
  seq: number,
  row: ApprovalRow,
  outcome: string,
  actor: Pick<Principal, "userId" | "username" | "kind"> & { name?: string },
  latencyMs = 0,
  correlationId = row.correlationId,
): Promise<void> {
  countApproval(outcome.replace(/^approval_/, ""));
  try {
    await appendAudit({
      at: new Date(),
      userId: actor.userId,
      username: actor.username,
      principalKind: actor.kind,
      tool: row.tool,
      risk: row.risk,
      argsHash: row.argsHash,
      outcome,
      latencyMs,
      correlationId,
      idempotencyKey: row.id,
    });
  } catch (err) {
    logger().error({ err, approvalId: row.id, outcome }, "approval audit append failed");
  }
  await announceFeed(seq).catch((err: unknown) =>
    logger().warn({ err, approvalId: row.id }, "could not announce an approval change"),
  );
}

/**
 * An approved, unexpired, unconsumed chat approval of this requester for exactly this tool,
 * server and canonical arguments, in this conversation — what a retried call may be linked to
 * (see createApprovedLike). Never another user's, another conversation's or a used one.
 */
export async function findApprovedLike(args: {
  tool: string;
  serverLabel: string;
  argsHash: string;
  requesterId: string;
  conversationId: string;
}): Promise<ApprovalRow | undefined> {
  const db = await getDb();
  const [row] = await db
    .select()
    .from(approvals)
    .where(
      and(
        eq(approvals.source, "chat"),
        eq(approvals.tool, args.tool),
        eq(approvals.serverLabel, args.serverLabel),
        eq(approvals.argsHash, args.argsHash),
        eq(approvals.requesterId, args.requesterId),
        eq(approvals.conversationId, args.conversationId),
        eq(approvals.status, "approved"),
        isNull(approvals.consumedAt),
        gt(approvals.expiresAt, new Date()),
      ),
    )
    .orderBy(desc(approvals.decidedAt))
    .limit(1);
  return row;
}

/**
 * A retried call that an earlier decision already covers: the new request (same requester, tool,
 * server, arguments and conversation as `previous`) is recorded already approved by the same
 * decider, and `previous` is used up in the same transaction (consumed, `consumed_correlation_id`
 * = `linked:<new id>`), so exactly one usable approval exists for the call and the ledger runs it
 * once. The new approval keeps `previous`'s use window (not extended). Undefined when `previous`
 * is no longer approved, unused and unexpired (a concurrent call or link took it): ask again then.
 * Idempotent per (run, upstream request) like createApproval.
 */
export async function createApprovedLike(
  previous: ApprovalRow,
  input: {
    requester: Pick<Principal, "userId" | "name" | "username" | "kind">;
    conversationId: string;
    runId: string;
    upstreamRequestId: string;
    tool: string;
    serverLabel: string;
    arguments: string;
    argsHash: string;
    reason: string;
    correlationId: string;
  },
): Promise<ApprovalRow | undefined> {
  if (
    previous.requesterId !== input.requester.userId ||
    previous.conversationId !== input.conversationId ||
    previous.tool !== input.tool ||
    previous.serverLabel !== input.serverLabel ||
    previous.argsHash !== input.argsHash ||
    !previous.decidedBy
  )
    return undefined;
  const db = await getDb();
  const now = new Date();
  const id = prefixedId("appr", 16);
  const linked = await db.transaction(async (tx) => {
    const [existing] = await tx
      .select()
      .from(approvals)
      .where(
        and(
          eq(approvals.runId, input.runId),
          eq(approvals.upstreamRequestId, input.upstreamRequestId),
        ),
      );
    if (existing) return { row: existing, seqs: [] as number[] };
    const [claimed] = await tx
      .update(approvals)
      .set({ consumedAt: now, consumedCorrelationId: `linked:${id}` })
      .where(
        and(
          eq(approvals.id, previous.id),
          eq(approvals.status, "approved"),
          isNull(approvals.consumedAt),
          gt(approvals.expiresAt, now),
        ),
      )
      .returning();
    if (!claimed) return undefined;
    const [row] = await tx
      .insert(approvals)
      .values({
        id,
        status: "approved",
        source: "chat",
        tool: input.tool,
        serverLabel: input.serverLabel,
        arguments: input.arguments,
        argsHash: input.argsHash,
        risk: claimed.risk,
        requiredRole: claimed.requiredRole,
        requesterId: input.requester.userId,
        requesterName: input.requester.name || input.requester.username,
        requesterKind: input.requester.kind,
        conversationId: input.conversationId,
        runId: input.runId,
        upstreamRequestId: input.upstreamRequestId,
        context: claimed.context,
        correlationId: input.correlationId,
        createdAt: now,
        decidedBy: claimed.decidedBy,
        decidedByName: claimed.decidedByName,
        decidedAt: now,
        reason: input.reason,
        expiresAt: claimed.expiresAt,
      })
      .returning();
    const seqs = [
      await appendFeed(tx, row!.id, "approval.requested"),
      await appendFeed(tx, row!.id, "approval.decided"),
    ];
    return { row: row!, seqs };
  });
  if (!linked) return undefined;
  if (linked.seqs.length === 2) {
    await afterChange(linked.seqs[0]!, linked.row, "approval_requested", input.requester);
    await afterChange(
      linked.seqs[1]!,
      linked.row,
      "approval_approved",
      {
        userId: linked.row.decidedBy!,
        username: linked.row.decidedByName ?? linked.row.decidedBy!,
        name: linked.row.decidedByName ?? undefined,
        kind: "user",
      },
      0,
      input.correlationId,
    );
  }
  return linked.row;
}

import { asc, eq, gt, sql } from "drizzle-orm";
import { getBus } from "@/lib/bus";
import type { Exec } from "./db";
import { approvalEvents, approvalFeed, approvals, type ApprovalRow } from "@/lib/db/schema";

export const approvalsChannel = "approvals";
export type FeedType = "approval.requested" | "approval.decided" | "approval.expired";

export interface FeedRow {
  seq: number;
  type: FeedType;
  at: Date;
  approval: ApprovalRow;
}

/**
 * Appends one feed entry inside the caller's transaction. Numbers come from the single
 * `approval_feed` row, incremented under its row lock, so readers never see a gap fill in later.
 */
export async function appendFeed(tx: Exec, approvalId: string, type: FeedType): Promise<number> {
  const [row] = await tx
    .update(approvalFeed)
    .set({ lastSeq: sql`${approvalFeed.lastSeq} + 1` })
    .where(eq(approvalFeed.id, 1))
    .returning({ lastSeq: approvalFeed.lastSeq });
  const seq = row!.lastSeq;
  await tx.insert(approvalEvents).values({ seq, approvalId, type, at: new Date() });
  return seq;
}

/** After the transaction commits: wake every inbox stream (any replica). */
export async function announceFeed(seq: number): Promise<void> {
  await getBus().publish(approvalsChannel, { seq });
}

/** Feed entries after `after`, each with the approval as it is now. */
export async function readFeed(db: Exec, after: number, limit: number): Promise<FeedRow[]> {
  const rows = await db
    .select({ event: approvalEvents, approval: approvals })
    .from(approvalEvents)
    .innerJoin(approvals, eq(approvals.id, approvalEvents.approvalId))
    .where(gt(approvalEvents.seq, after))
    .orderBy(asc(approvalEvents.seq))
    .limit(limit);
  return rows.map((r) => ({
    seq: r.event.seq,
    type: r.event.type as FeedType,
    at: r.event.at,
    approval: r.approval,
  }));
}

/** The feed's current end: a reader that loaded a snapshot follows the feed from here. */
export async function currentFeedSeq(db: Exec): Promise<number> {
  const [row] = await db
    .select({ lastSeq: approvalFeed.lastSeq })
    .from(approvalFeed)
    .where(eq(approvalFeed.id, 1));
  return row?.lastSeq ?? 0;
}

import { and, desc, eq, inArray } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { isUniqueViolation } from "@/lib/db/errors";
import { runs, type RunStatus } from "@/lib/db/schema";
import { AppError } from "@/lib/errors";
import { prefixedId } from "@/lib/ids";

export type RunRow = typeof runs.$inferSelect;
export const activeStatuses: RunStatus[] = ["running", "awaiting_approval", "awaiting_consent"];

/** Creates a running run; 409 when the conversation already has an unfinished one. */
export async function createRun(input: {
  conversationId: string;
  requestedBy: string;
  agentName: string;
  correlationId: string;
}): Promise<RunRow> {
  const db = await getDb();
  try {
    const [row] = await db
      .insert(runs)
      .values({ id: prefixedId("run", 12), status: "running", ...input })
      .returning();
    return row!;
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new AppError(
        "conflict",
        "The agent is still answering. Wait for it to finish or stop it first.",
      );
    }
    throw err;
  }
}

export async function getActiveRun(conversationId: string): Promise<RunRow | undefined> {
  const db = await getDb();
  const [row] = await db
    .select()
    .from(runs)
    .where(and(eq(runs.conversationId, conversationId), inArray(runs.status, activeStatuses)))
    .orderBy(desc(runs.createdAt))
    .limit(1);
  return row;
}

export async function setRunUpstreamResponse(runId: string, responseId: string): Promise<void> {
  const db = await getDb();
  await db.update(runs).set({ upstreamResponseId: responseId }).where(eq(runs.id, runId));
}

/** When a run moved to `status` ended: now, unless the status is still an unfinished one. */
export function endedAtFor(status: RunStatus): Date | null {
  return activeStatuses.includes(status) ? null : new Date();
}

/**
 * Moves a run to `status` only if it is still unfinished (a finished run never changes).
 * appendEvents does the same inside its statement when it logs a run's ending.
 */
export async function finishRun(runId: string, status: RunStatus): Promise<boolean> {
  const db = await getDb();
  const rows = await db
    .update(runs)
    .set({ status, endedAt: endedAtFor(status) })
    .where(and(eq(runs.id, runId), inArray(runs.status, activeStatuses)))
    .returning({ id: runs.id });
  return rows.length > 0;
}

/** Runs left unfinished by a process that stopped (embedded mode: there is only one process). */
export async function listUnfinishedRuns(): Promise<RunRow[]> {
  const db = await getDb();
  return db.select().from(runs).where(eq(runs.status, "running"));
}

/** A run paused for approval goes back to running; only one caller (on any replica) wins. */
export async function resumeRun(runId: string): Promise<RunRow | undefined> {
  const db = await getDb();
  const [row] = await db
    .update(runs)
    .set({ status: "running" })
    .where(and(eq(runs.id, runId), eq(runs.status, "awaiting_approval")))
    .returning();
  return row;
}

export async function getRun(runId: string): Promise<RunRow | undefined> {
  const db = await getDb();
  const [row] = await db.select().from(runs).where(eq(runs.id, runId));
  return row;
}

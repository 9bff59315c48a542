import { and, asc, desc, eq, gt, gte, lt, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { chainHash, GENESIS_HASH } from "@/lib/audit";
import { getDb } from "@/lib/db/client";
import { auditLog } from "@/lib/db/schema";

/** One audit row as the admin API shows it. */
export interface AuditItem {
  id: number;
  at: string;
  userId: string;
  username: string;
  principalKind: "user" | "app";
  tool: string;
  risk: string;
  argsHash: string;
  outcome: string;
  latencyMs: number;
  correlationId: string;
  idempotencyKey: string | null;
  prevHash: string;
  hash: string;
}

const instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const text = z.string().trim().min(1).max(256);

/** Filters shared by the list and the export: who, which tool, which outcome, when. */
export const auditFilterShape = {
  user: text.optional(),
  tool: text.optional(),
  outcome: text.optional(),
  from: instant.optional(),
  to: instant.optional(),
};
export type AuditFilter = {
  user?: string;
  tool?: string;
  outcome?: string;
  from?: Date;
  to?: Date;
};

export const auditListQuerySchema = z.strictObject({
  ...auditFilterShape,
  /** The id of the last row of the previous page (rows come newest first). */
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, "Not a cursor from this list.")
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const auditIdSchema = z.strictObject({
  id: z.string().regex(/^[1-9][0-9]{0,15}$/, "Not an audit entry id."),
});

/** The WHERE of a filter: user by username (any case) or user id; the rest exact; [from, to). */
export function auditWhere(f: AuditFilter): SQL | undefined {
  return and(
    f.user
      ? or(sql`lower(${auditLog.username}) = lower(${f.user})`, eq(auditLog.userId, f.user))
      : undefined,
    f.tool ? eq(auditLog.tool, f.tool) : undefined,
    f.outcome ? eq(auditLog.outcome, f.outcome) : undefined,
    f.from ? gte(auditLog.at, f.from) : undefined,
    f.to ? lt(auditLog.at, f.to) : undefined,
  );
}

type Row = typeof auditLog.$inferSelect;

export function toAuditItem(r: Row): AuditItem {
  return { ...r, at: r.at.toISOString() };
}

/** One page, newest first, and the cursor of the next page (null on the last). */
export async function listAudit(
  f: AuditFilter,
  page: { cursor?: string; limit: number },
): Promise<{ items: AuditItem[]; nextCursor: string | null }> {
  const db = await getDb();
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(auditWhere(f), page.cursor ? lt(auditLog.id, Number(page.cursor)) : undefined))
    .orderBy(desc(auditLog.id))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit).map(toAuditItem);
  return {
    items,
    nextCursor: rows.length > page.limit ? String(items[items.length - 1]!.id) : null,
  };
}

/**
 * One entry with what can be checked about it alone: whether its content matches its hash, and
 * whether the previous entry's hash is its prev_hash (the whole chain: POST …/audit/verify).
 */
export async function getAuditEntry(
  id: number,
): Promise<
  (AuditItem & { check: { contentMatchesHash: boolean; linkedToPrevious: boolean } }) | null
> {
  const db = await getDb();
  const [row] = await db.select().from(auditLog).where(eq(auditLog.id, id));
  if (!row) return null;
  const [prev] = await db
    .select({ hash: auditLog.hash })
    .from(auditLog)
    .where(lt(auditLog.id, id))
    .orderBy(desc(auditLog.id))
    .limit(1);
  const { prevHash, hash } = row;
  return {
    ...toAuditItem(row),
    check: {
      contentMatchesHash: chainHash(row, prevHash) === hash,
      linkedToPrevious: prev ? prev.hash === prevHash : prevHash === GENESIS_HASH,
    },
  };
}

/** Every matching row in chain order, a page at a time (the export streams these). */
export async function* iterateAudit(f: AuditFilter, pageSize = 500): AsyncGenerator<AuditItem> {
  const db = await getDb();
  let after = 0;
  for (;;) {
    const rows = await db
      .select()
      .from(auditLog)
      .where(and(auditWhere(f), gt(auditLog.id, after)))
      .orderBy(asc(auditLog.id))
      .limit(pageSize);
    for (const r of rows) yield toAuditItem(r);
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.id;
  }
}

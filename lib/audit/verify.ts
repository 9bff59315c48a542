import { asc, gt } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { auditLog } from "@/lib/db/schema";
import { GENESIS_HASH, chainHash, type AuditEntry } from "./record";

const PAGE = 1000;

/**
 * `rows`: entries whose hash and link were checked and found good (on a break, those before it);
 * `lastHash`: the hash of the last good entry (GENESIS_HASH for none), to keep elsewhere.
 */
export type AuditChainVerdict =
  | { ok: true; rows: number; lastHash: string }
  | { ok: false; brokenAt: number; reason: string; rows: number; lastHash: string };

/**
 * Walks the audit log in id order and recomputes every hash. The first row whose content does not
 * match its hash, or whose prev_hash is not the previous row's hash (a row edited, inserted or
 * removed), is reported as `brokenAt`. Removing rows from the end cannot be seen from inside the
 * table; compare the last hash with one kept elsewhere for that.
 */
export async function verifyAuditChain(): Promise<AuditChainVerdict> {
  const db = await getDb();
  let prevHash = GENESIS_HASH;
  let afterId = 0;
  let rows = 0;
  for (;;) {
    const page = await db
      .select()
      .from(auditLog)
      .where(gt(auditLog.id, afterId))
      .orderBy(asc(auditLog.id))
      .limit(PAGE);
    for (const row of page) {
      const broken = (reason: string) =>
        ({ ok: false, brokenAt: row.id, reason, rows, lastHash: prevHash }) as const;
      if (row.prevHash !== prevHash) return broken("prev_hash does not match the previous row");
      if (chainHash(toEntry(row), row.prevHash) !== row.hash)
        return broken("content does not match its hash");
      prevHash = row.hash;
      afterId = row.id;
      rows += 1;
    }
    if (page.length < PAGE) return { ok: true, rows, lastHash: prevHash };
  }
}

function toEntry(row: typeof auditLog.$inferSelect): AuditEntry {
  return {
    at: row.at,
    userId: row.userId,
    username: row.username,
    principalKind: row.principalKind,
    tool: row.tool,
    risk: row.risk,
    argsHash: row.argsHash,
    outcome: row.outcome,
    latencyMs: row.latencyMs,
    correlationId: row.correlationId,
    idempotencyKey: row.idempotencyKey,
  };
}

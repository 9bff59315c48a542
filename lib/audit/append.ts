import { desc, sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { auditLog } from "@/lib/db/schema";
import { GENESIS_HASH, chainHash, type AuditEntry } from "./record";

/** Advisory lock that serializes chain appends across every replica sharing the database. */
const AUDIT_CHAIN_LOCK = 7_204_114;

/**
 * Appends one entry to the hash chain. The read of the last hash and the insert happen in one
 * transaction under an advisory lock, so concurrent calls (in this process or on other replicas)
 * line up one after another and never extend the same predecessor twice.
 */
export async function appendAudit(entry: AuditEntry): Promise<{ id: number; hash: string }> {
  const db = await getDb();
  // Stored with millisecond precision, so what is hashed is exactly what is read back.
  const at = new Date(entry.at.getTime());
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
    const [last] = await tx.select({ hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.id)).limit(1);
    const prevHash = last?.hash ?? GENESIS_HASH;
    const hash = chainHash({ ...entry, at }, prevHash);
    const [row] = await tx
      .insert(auditLog)
      .values({ ...entry, at, prevHash, hash })
      .returning({ id: auditLog.id });
    return { id: row!.id, hash };
  });
}

import { desc, sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { auditLog } from "@/lib/db/schema";
import { GENESIS_HASH, chainHash, type AuditEntry } from "./record";

/** Advisory lock that serializes chain appends across every replica sharing the database. */
const AUDIT_CHAIN_LOCK = 7_204_114;
const MAX_BATCH = 100;

interface Pending {
  entry: AuditEntry;
  resolve(v: { id: number; hash: string }): void;
  reject(err: unknown): void;
}

const KEY = Symbol.for("foundry-agent-chat.audit.queue");
type Holder = { [KEY]?: { pending: Pending[]; draining: boolean } };

function queue() {
  const g = globalThis as Holder;
  g[KEY] ??= { pending: [], draining: false };
  return g[KEY];
}

/**
 * Appends one entry to the hash chain and resolves once it is committed. Appends are serialized:
 * in this process by one queue, across replicas by an advisory lock held while the last hash is
 * read and the new rows inserted, so no two rows ever extend the same predecessor. Entries that
 * arrive while a batch is being written go into the next batch (group commit): under load one
 * lock, one read and one insert serve many calls.
 */
export function appendAudit(entry: AuditEntry): Promise<{ id: number; hash: string }> {
  return new Promise((resolve, reject) => {
    const q = queue();
    q.pending.push({ entry, resolve, reject });
    if (!q.draining) void drain();
  });
}

async function drain(): Promise<void> {
  const q = queue();
  q.draining = true;
  try {
    while (q.pending.length > 0) {
      const batch = q.pending.splice(0, MAX_BATCH);
      try {
        const written = await appendBatch(batch.map((p) => p.entry));
        batch.forEach((p, i) => p.resolve(written[i]!));
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
  } finally {
    q.draining = false;
  }
}

async function appendBatch(entries: AuditEntry[]): Promise<{ id: number; hash: string }[]> {
  const db = await getDb();
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
    const [last] = await tx
      .select({ hash: auditLog.hash })
      .from(auditLog)
      .orderBy(desc(auditLog.id))
      .limit(1);
    let prevHash = last?.hash ?? GENESIS_HASH;
    const rows = entries.map((e) => {
      // Stored with millisecond precision, so what is hashed is exactly what is read back.
      const at = new Date(e.at.getTime());
      const hash = chainHash({ ...e, at }, prevHash);
      const row = { ...e, at, prevHash, hash };
      prevHash = hash;
      return row;
    });
    // Identity values follow the VALUES order, so id order is chain order (verify.ts checks it).
    const inserted = await tx
      .insert(auditLog)
      .values(rows)
      .returning({ id: auditLog.id, hash: auditLog.hash });
    const idByHash = new Map(inserted.map((r) => [r.hash, r.id]));
    return rows.map((r) => ({ id: idByHash.get(r.hash)!, hash: r.hash }));
  });
}

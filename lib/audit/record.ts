import { canonicalJson, sha256Hex } from "./canonical";

/** What one audit row says about a call (everything but its place in the chain). */
export interface AuditEntry {
  at: Date;
  userId: string;
  username: string;
  principalKind: "user" | "app";
  tool: string;
  risk: string;
  argsHash: string;
  /** "ok", "replayed", or the error code of the isError result. */
  outcome: string;
  latencyMs: number;
  correlationId: string;
  idempotencyKey: string | null;
}

/** The predecessor of the first row. */
export const GENESIS_HASH = "0".repeat(64);

/**
 * hash = sha256(canonical JSON of the entry and prev_hash). The row id is not hashed: ids are
 * assigned by the database after the hash is computed, and order is already fixed by prev_hash.
 */
export function chainHash(entry: AuditEntry, prevHash: string): string {
  return sha256Hex(
    canonicalJson({
      v: 1,
      at: entry.at.toISOString(),
      userId: entry.userId,
      username: entry.username,
      principalKind: entry.principalKind,
      tool: entry.tool,
      risk: entry.risk,
      argsHash: entry.argsHash,
      outcome: entry.outcome,
      latencyMs: entry.latencyMs,
      correlationId: entry.correlationId,
      idempotencyKey: entry.idempotencyKey,
      prevHash,
    }),
  );
}

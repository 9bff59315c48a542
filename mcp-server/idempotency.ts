import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { and, eq, lt, sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { idempotencyKeys } from "@/lib/db/schema";
import { META } from "./describe";

/** How long a completed key replays its result (and blocks a second send). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
export const IDEMPOTENCY_HEADER = "idempotency-key";
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export type Claim =
  | { kind: "claimed"; complete(result: CallToolResult): Promise<void>; release(): Promise<void> }
  | { kind: "replay"; result: CallToolResult }
  | { kind: "conflict"; message: string; retryAfterSeconds?: number };

/**
 * The key of a call: `params._meta["io.foundry-agent-chat/idempotency-key"]` (per call), else the
 * `Idempotency-Key` HTTP header (per request). `null`: no key was sent.
 */
export function idempotencyKeyOf(
  meta: Record<string, unknown> | undefined,
  headers: Record<string, string | string[] | undefined>,
): string | null | { invalid: true } {
  const fromMeta = meta?.[META.idempotencyKey];
  const header = headers[IDEMPOTENCY_HEADER];
  const raw = fromMeta ?? (Array.isArray(header) ? header[0] : header);
  if (raw === undefined || raw === null || raw === "") return null;
  return typeof raw === "string" && KEY_PATTERN.test(raw) ? raw : { invalid: true };
}

/**
 * Claims (user, key) by inserting its row before the tool runs. The primary key makes the insert
 * the arbiter: of two concurrent calls with one key exactly one inserts and runs; the other finds
 * the row and replays the stored result, or is told the first is still running.
 */
export async function claimIdempotencyKey(args: {
  userId: string;
  key: string;
  tool: string;
  argsHash: string;
  correlationId: string;
  staleAfterMs: number;
}): Promise<Claim> {
  const db = await getDb();
  const where = and(eq(idempotencyKeys.userId, args.userId), eq(idempotencyKeys.key, args.key));
  await db.delete(idempotencyKeys).where(and(where, lt(idempotencyKeys.expiresAt, sql`now()`)));
  const inserted = await db
    .insert(idempotencyKeys)
    .values({
      userId: args.userId,
      key: args.key,
      tool: args.tool,
      argsHash: args.argsHash,
      status: "in_progress",
      correlationId: args.correlationId,
      expiresAt: new Date(Date.now() + IDEMPOTENCY_TTL_MS),
    })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (inserted.length === 1) {
    return {
      kind: "claimed",
      complete: async (result) => {
        await db
          .update(idempotencyKeys)
          .set({ status: "completed", result, completedAt: new Date() })
          .where(where);
      },
      release: async () => {
        await db
          .delete(idempotencyKeys)
          .where(and(where, eq(idempotencyKeys.status, "in_progress")));
      },
    };
  }
  const [row] = await db.select().from(idempotencyKeys).where(where);
  if (!row)
    return {
      kind: "conflict",
      message: "The idempotency key was released meanwhile; send the call again.",
      retryAfterSeconds: 1,
    };
  if (row.tool !== args.tool || row.argsHash !== args.argsHash) {
    return {
      kind: "conflict",
      message: "This idempotency key was already used for a different call; use a new key.",
    };
  }
  if (row.status === "completed") return { kind: "replay", result: row.result as CallToolResult };
  if (Date.now() - row.createdAt.getTime() > args.staleAfterMs) {
    return {
      kind: "conflict",
      message:
        "An earlier call with this idempotency key never finished, so whether it took effect is unknown. Check, then retry with a new key.",
    };
  }
  return {
    kind: "conflict",
    message: "A call with this idempotency key is still running.",
    retryAfterSeconds: 1,
  };
}

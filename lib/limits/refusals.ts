import { and, eq, gte, lt, sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { rateLimitRefusals } from "@/lib/db/schema";

/** A refusal to count: which limiter refused whom, and when. */
export interface Refusal {
  limiter: string;
  userId: string;
  username: string;
  at: Date;
}

interface Waiter {
  refusal: Refusal;
  resolve(): void;
  reject(err: unknown): void;
}

const KEY = Symbol.for("foundry-agent-chat.limits.refusals");
type Holder = { [KEY]?: { pending: Waiter[]; draining: boolean } };

function queue() {
  const g = globalThis as Holder;
  g[KEY] ??= { pending: [], draining: false };
  return g[KEY];
}

/** The start of the minute `at` falls in (the counter's bucket). */
export function minuteOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 60_000) * 60_000);
}

/**
 * Counts one refusal; resolves once it is stored. Refusals that arrive while a write is in flight
 * are merged into the next one (one upsert per caller and minute), so a flood of refused calls
 * costs a handful of writes, not one each.
 */
export function countRefusal(refusal: Refusal): Promise<void> {
  return new Promise((resolve, reject) => {
    const q = queue();
    q.pending.push({ refusal, resolve, reject });
    if (!q.draining) void drain();
  });
}

async function drain(): Promise<void> {
  const q = queue();
  q.draining = true;
  try {
    while (q.pending.length > 0) {
      const batch = q.pending.splice(0);
      try {
        await upsert(mergeRefusals(batch.map((w) => w.refusal)));
        for (const w of batch) w.resolve();
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
  } finally {
    q.draining = false;
  }
}

/** One counter row per limiter, caller and minute (pure). */
export function mergeRefusals(refusals: readonly Refusal[]) {
  const rows = new Map<string, typeof rateLimitRefusals.$inferInsert>();
  for (const r of refusals) {
    const minute = minuteOf(r.at);
    const key = `${r.limiter}\n${r.userId}\n${minute.getTime()}`;
    const row = rows.get(key);
    if (row) {
      row.count += 1;
      row.username = r.username;
    } else
      rows.set(key, {
        limiter: r.limiter,
        userId: r.userId,
        username: r.username,
        minute,
        count: 1,
      });
  }
  return [...rows.values()];
}

async function upsert(rows: (typeof rateLimitRefusals.$inferInsert)[]): Promise<void> {
  if (rows.length === 0) return;
  const db = await getDb();
  await db
    .insert(rateLimitRefusals)
    .values(rows)
    .onConflictDoUpdate({
      target: [rateLimitRefusals.limiter, rateLimitRefusals.userId, rateLimitRefusals.minute],
      set: {
        count: sql`${rateLimitRefusals.count} + excluded.count`,
        username: sql`excluded.username`,
      },
    });
}

/** Refusals of one limiter in [from, to), per caller and minute. */
export async function listRefusals(limiter: string, from: Date, to: Date) {
  const db = await getDb();
  return db
    .select()
    .from(rateLimitRefusals)
    .where(
      and(
        eq(rateLimitRefusals.limiter, limiter),
        gte(rateLimitRefusals.minute, from),
        lt(rateLimitRefusals.minute, to),
      ),
    );
}

import { and, asc, desc, eq, gt, sql } from "drizzle-orm";
import { conversationChannel, getBus } from "@/lib/bus";
import { getDb } from "@/lib/db/client";
import { conversationEvents, conversations } from "@/lib/db/schema";
import type { ChatEvent, ChatEventDraft } from "./events";

export interface AppendContext {
  conversationId: string;
  runId: string;
  correlationId: string;
}

/**
 * Appends events to a conversation's durable log. Sequence numbers come from the conversation
 * row, incremented under its row lock, so replicas sharing one Postgres never collide. Live
 * subscribers are notified after the commit.
 */
export async function appendEvents(
  ctx: AppendContext,
  drafts: ChatEventDraft[],
): Promise<ChatEvent[]> {
  if (drafts.length === 0) return [];
  const db = await getDb();
  const at = new Date().toISOString();
  const events = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(conversations)
      .set({ lastSeq: sql`${conversations.lastSeq} + ${drafts.length}`, updatedAt: new Date(at) })
      .where(eq(conversations.id, ctx.conversationId))
      .returning({ lastSeq: conversations.lastSeq });
    if (!row) throw new Error(`conversation ${ctx.conversationId} vanished while appending`);
    const first = row.lastSeq - drafts.length + 1;
    const stamped = drafts.map(
      (d, i) =>
        ({
          ...d,
          seq: first + i,
          conversationId: ctx.conversationId,
          runId: ctx.runId,
          correlationId: ctx.correlationId,
          at,
        }) as ChatEvent,
    );
    await tx.insert(conversationEvents).values(
      stamped.map((e) => ({
        conversationId: e.conversationId,
        seq: e.seq,
        runId: e.runId,
        type: e.type,
        data: e.data,
        correlationId: e.correlationId,
        at: new Date(e.at),
      })),
    );
    return stamped;
  });
  const bus = getBus();
  for (const event of events) await bus.publish(conversationChannel(ctx.conversationId), event);
  return events;
}

/** Events with `seq > after`, in order. */
export async function readEvents(
  conversationId: string,
  after = 0,
  limit = 1000,
): Promise<ChatEvent[]> {
  const db = await getDb();
  const rows = await db
    .select()
    .from(conversationEvents)
    .where(
      and(eq(conversationEvents.conversationId, conversationId), gt(conversationEvents.seq, after)),
    )
    .orderBy(asc(conversationEvents.seq))
    .limit(limit);
  return rows.map(
    (r) =>
      ({
        seq: r.seq,
        conversationId: r.conversationId,
        runId: r.runId,
        type: r.type,
        data: r.data,
        correlationId: r.correlationId,
        at: r.at.toISOString(),
      }) as ChatEvent,
  );
}

/**
 * A conversation's events of one type (optionally of one run), newest first: what server-side
 * steps look back at (the message that started a run, the last failed tool call).
 */
export async function latestEventsOfType(
  conversationId: string,
  type: ChatEvent["type"],
  opts: { runId?: string; limit?: number } = {},
): Promise<{ runId: string; data: unknown }[]> {
  const db = await getDb();
  return db
    .select({ runId: conversationEvents.runId, data: conversationEvents.data })
    .from(conversationEvents)
    .where(
      and(
        eq(conversationEvents.conversationId, conversationId),
        eq(conversationEvents.type, type),
        opts.runId ? eq(conversationEvents.runId, opts.runId) : undefined,
      ),
    )
    .orderBy(desc(conversationEvents.seq))
    .limit(opts.limit ?? 20);
}

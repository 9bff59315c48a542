import { and, asc, desc, eq, gt } from "drizzle-orm";
import { conversationChannel, getBus } from "@/lib/bus";
import { getDb, type Db } from "@/lib/db/client";
import { conversationEvents, conversations, runs, type RunStatus } from "@/lib/db/schema";
import { terminalEventTypes, type ChatEvent, type ChatEventDraft } from "./events";
import { activeStatuses, finishRun } from "./runs";

export interface AppendContext {
  conversationId: string;
  runId: string;
  correlationId: string;
}

/**
 * Appends events to a conversation's durable log. Sequence numbers come from the conversation
 * row, incremented under its row lock, so replicas sharing one Postgres never collide. Live
 * subscribers are notified after the commit.
 *
 * A run's log ends with its ending: once the run is finished, whatever it still sends (an upstream
 * that kept streaming after Stop, a writer's queue, a replica that did not hear the Stop in time)
 * is dropped; only ending events (`run.*`) are still written. With `finish`, the run is moved to
 * that status in the same transaction and the drafts are written only if this call ended it —
 * so a run has exactly one ending, and nothing after it.
 */
export async function appendEvents(
  ctx: AppendContext,
  drafts: ChatEventDraft[],
  opts: { finish?: RunStatus } = {},
): Promise<ChatEvent[]> {
  if (drafts.length === 0) return [];
  const db = await getDb();
  const at = new Date().toISOString();
  const events = await db.transaction(async (tx) => {
    // The conversation row lock orders this against every other append (and ending) of the run.
    const [row] = await tx
      .select({ lastSeq: conversations.lastSeq })
      .from(conversations)
      .where(eq(conversations.id, ctx.conversationId))
      .for("update");
    if (!row) throw new Error(`conversation ${ctx.conversationId} vanished while appending`);
    const kept = await keptDrafts(tx, ctx.runId, drafts, opts.finish);
    if (kept.length === 0) return [];
    const first = row.lastSeq + 1;
    await tx
      .update(conversations)
      .set({ lastSeq: row.lastSeq + kept.length, updatedAt: new Date(at) })
      .where(eq(conversations.id, ctx.conversationId));
    const stamped = kept.map(
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

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

async function keptDrafts(
  tx: Tx,
  runId: string,
  drafts: ChatEventDraft[],
  finish: RunStatus | undefined,
): Promise<ChatEventDraft[]> {
  if (finish) return (await finishRun(runId, finish, tx)) ? drafts : [];
  if (drafts.every((d) => terminalEventTypes.has(d.type))) return drafts;
  const [run] = await tx.select({ status: runs.status }).from(runs).where(eq(runs.id, runId));
  if (!run || activeStatuses.includes(run.status)) return drafts;
  return drafts.filter((d) => terminalEventTypes.has(d.type));
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

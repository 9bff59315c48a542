import { and, asc, desc, eq, gt, sql } from "drizzle-orm";
import { conversationChannel, getBus } from "@/lib/bus";
import { getDb } from "@/lib/db/client";
import { conversationEvents, type RunStatus } from "@/lib/db/schema";
import { terminalEventTypes, type ChatEvent, type ChatEventDraft } from "./events";
import { activeStatuses, endedAtFor } from "./runs";

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
 * that status in the same statement and the drafts are written only if this call ended it —
 * so a run has exactly one ending, and nothing after it.
 *
 * One statement, one round trip (it was a four-statement transaction; see docs/PERFORMANCE.md,
 * "Relay split"). Its locks are taken in one order everywhere — the run row first (shared for
 * content, exclusive when finishing; Postgres re-checks the run's status on the row's newest
 * version after waiting), then the conversation row (whose `last_seq` the UPDATE re-reads
 * after waiting) — so an ending and a content batch serialize without deadlocking.
 */
export async function appendEvents(
  ctx: AppendContext,
  drafts: ChatEventDraft[],
  opts: { finish?: RunStatus } = {},
): Promise<ChatEvent[]> {
  if (drafts.length === 0) return [];
  const db = await getDb();
  const at = new Date().toISOString();
  // Ending events are kept whatever the run's status; with `finish`, nothing is kept unless this
  // call ended the run.
  const keepAlways = (d: ChatEventDraft) => !opts.finish && terminalEventTypes.has(d.type);
  const rows = JSON.stringify(drafts.map((d) => ({ t: d.type, d: d.data, k: keepAlways(d) })));
  const result = await db.execute(sql`
    with r as (${runGuard(ctx.runId, opts.finish)}),
    k as (
      select row_number() over (order by x.ord) as n, x.v->>'t' as type, x.v->'d' as data
      from jsonb_array_elements(${rows}::jsonb) with ordinality as x(v, ord)
      where (x.v->>'k')::boolean or ${opts.finish ? sql`exists (select 1 from r)` : sql`not exists (select 1 from r where status not in (${activeList}))`}
    ),
    c as (
      update conversations
      set last_seq = last_seq + (select count(*) from k), updated_at = ${at}::timestamptz
      where id = ${ctx.conversationId} and exists (select 1 from k)
      returning last_seq - (select count(*) from k) as base
    )
    insert into conversation_events (conversation_id, seq, run_id, type, data, correlation_id, at)
    select ${ctx.conversationId}, c.base + k.n, ${ctx.runId}, k.type, k.data,
      ${ctx.correlationId}, ${at}::timestamptz
    from c, k
    returning seq`);
  const seqs = seqsOf(result).map((r) => Number(r.seq));
  if (seqs.length === 0) return [];
  const kept = seqs.length === drafts.length ? drafts : drafts.filter(keepAlways);
  return publish(stamp(ctx, kept, Math.min(...seqs), at));
}

/** One append of `appendMany`: a run's drafts, in order. */
export interface AppendRequest {
  ctx: AppendContext;
  drafts: ChatEventDraft[];
}

/**
 * Several runs' content in one statement (the EventWriters' shared group commit, see
 * append-batcher.ts): each request is kept or dropped by its own run's status as in
 * `appendEvents`, and numbered after its own conversation's last event. The requests must be of
 * distinct conversations. Resolves with each request's events, in the requests' order.
 */
export async function appendMany(requests: AppendRequest[]): Promise<ChatEvent[][]> {
  const db = await getDb();
  const at = new Date().toISOString();
  // Ending events are kept whatever the run's status.
  const keepAlways = (d: ChatEventDraft) => terminalEventTypes.has(d.type);
  const rows = JSON.stringify(
    requests.flatMap(({ ctx, drafts }) =>
      drafts.map((d, n) => ({
        c: ctx.conversationId,
        r: ctx.runId,
        x: ctx.correlationId,
        n,
        t: d.type,
        d: d.data,
        k: keepAlways(d),
      })),
    ),
  );
  const result = await db.execute(sql`
    with q as (
      select * from jsonb_to_recordset(${rows}::jsonb)
        as q(c text, r text, x text, n int, t text, d jsonb, k boolean)
    ),
    r as (
      select id, status from runs where id in (select r from q) order by id for share
    ),
    k as (
      select q.*, row_number() over (partition by q.c order by q.n) as m from q
      where q.k or not exists (
        select 1 from r where r.id = q.r and r.status not in (${activeList})
      )
    ),
    cnt as (select c, count(*) as cnt from k group by c),
    cv as (
      update conversations
      set last_seq = last_seq + cnt.cnt, updated_at = ${at}::timestamptz
      from cnt where conversations.id = cnt.c
      returning conversations.id, last_seq - cnt.cnt as base
    )
    insert into conversation_events (conversation_id, seq, run_id, type, data, correlation_id, at)
    select k.c, cv.base + k.m, k.r, k.t, k.d, k.x, ${at}::timestamptz
    from k join cv on cv.id = k.c
    returning conversation_id, seq`);
  const byConversation = new Map<string, number[]>();
  for (const row of seqsOf(result)) {
    const list = byConversation.get(row.conversation_id!) ?? [];
    list.push(Number(row.seq));
    byConversation.set(row.conversation_id!, list);
  }
  const out: ChatEvent[][] = [];
  for (const { ctx, drafts } of requests) {
    const seqs = byConversation.get(ctx.conversationId) ?? [];
    const kept = seqs.length === drafts.length ? drafts : drafts.filter(keepAlways);
    out.push(await publish(stamp(ctx, seqs.length ? kept : [], Math.min(...seqs), at)));
  }
  return out;
}

// Both drivers (pg, PGlite) answer `{ rows }`; bigint arithmetic may come back as a string.
const seqsOf = (result: unknown) =>
  (result as { rows: { seq: number | string; conversation_id?: string }[] }).rows;

function stamp(ctx: AppendContext, kept: ChatEventDraft[], first: number, at: string) {
  return kept.map(
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
}

async function publish(events: ChatEvent[]): Promise<ChatEvent[]> {
  const bus = getBus();
  for (const event of events) await bus.publish(conversationChannel(event.conversationId), event);
  return events;
}

const activeList = sql.join(
  activeStatuses.map((s) => sql`${s}`),
  sql`, `,
);

/**
 * The run row, locked: its status (content is kept unless the run is known and finished), or,
 * with `finish`, the row only if this statement moved it from unfinished to that status.
 */
function runGuard(runId: string, finish: RunStatus | undefined) {
  if (!finish) return sql`select status from runs where id = ${runId} for share`;
  const ended = endedAtFor(finish)?.toISOString() ?? null;
  return sql`update runs set status = ${finish}, ended_at = ${ended}::timestamptz
    where id = ${runId} and status in (${activeList}) returning status`;
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

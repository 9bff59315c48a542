import { getConfig } from "@/lib/config";
import type { ChatEvent, ChatEventDraft } from "./events";
import { appendEvents, appendMany, type AppendContext, type AppendRequest } from "./event-log";

/** Statements in flight at once: one hides the next batch's round trip behind the current one. */
const MAX_IN_FLIGHT = 2;

type Pending = AppendRequest & {
  resolve: (events: ChatEvent[]) => void;
  reject: (err: unknown) => void;
};
type Holder = { queue: Pending[]; inFlight: number };
const KEY = Symbol.for("foundry-agent-chat.append-batcher");
function holder(): Holder {
  const g = globalThis as { [KEY]?: Holder };
  g[KEY] ??= { queue: [], inFlight: 0 };
  return g[KEY];
}

/**
 * Group commit across runs: the EventWriters of every run this process drives hand their batches
 * here, and whatever is queued while a statement is in flight goes into the next one together.
 * With many conversations streaming at once that is one statement per tick instead of one per
 * run (docs/PERFORMANCE.md, "Many conversations"); a lone run is written at once, as before.
 * Each run's writer has at most one batch here at a time, so order within a run is kept; two
 * batches of one conversation never share a statement. A statement that fails is retried per
 * run, so one run's failure is never another's.
 *
 * PostgreSQL only: the embedded PGlite runs every statement in this thread, one at a time, and
 * there the shared statement measured slower than each run's own (docs/PERFORMANCE.md).
 */
export function appendBatched(ctx: AppendContext, drafts: ChatEventDraft[]): Promise<ChatEvent[]> {
  if (getConfig().database.kind !== "postgres") return appendEvents(ctx, drafts);
  return new Promise((resolve, reject) => {
    const h = holder();
    h.queue.push({ ctx, drafts, resolve, reject });
    if (h.inFlight < MAX_IN_FLIGHT) void flush(h);
  });
}

async function flush(h: Holder): Promise<void> {
  h.inFlight++;
  try {
    while (h.queue.length > 0) {
      const batch = takeDistinct(h);
      if (batch.length === 1) {
        await appendEvents(batch[0]!.ctx, batch[0]!.drafts).then(
          batch[0]!.resolve,
          batch[0]!.reject,
        );
        continue;
      }
      try {
        const results = await appendMany(batch);
        batch.forEach((p, i) => p.resolve(results[i]!));
      } catch {
        await Promise.all(
          batch.map((p) => appendEvents(p.ctx, p.drafts).then(p.resolve, p.reject)),
        );
      }
    }
  } finally {
    h.inFlight--;
  }
}

/** The queued requests of distinct conversations (a later one of the same waits its turn). */
function takeDistinct(h: Holder): Pending[] {
  const seen = new Set<string>();
  const batch: Pending[] = [];
  const rest: Pending[] = [];
  for (const p of h.queue) {
    if (seen.has(p.ctx.conversationId)) rest.push(p);
    else {
      seen.add(p.ctx.conversationId);
      batch.push(p);
    }
  }
  h.queue = rest;
  return batch;
}

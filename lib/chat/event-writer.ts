import type { ChatEventDraft } from "./events";
import { appendBatched } from "./append-batcher";
import type { AppendContext } from "./event-log";
import { eventsAppendedChannel, type EventsAppendedMessage } from "./relay-probe";

const MAX_QUEUED = 512;

/**
 * Group commit for one run's events: the first event is written at once, and whatever arrives
 * while a write is in flight goes into the next transaction together. Streaming a long answer
 * then costs a handful of transactions instead of one per token, with no added latency.
 * Order is preserved; a failed write is reported by `flush()` (and by the next `push`).
 */
export class EventWriter {
  private queue: ChatEventDraft[] = [];
  /** When each queued draft's upstream frame was received (relay-probe; 0 when unmeasured). */
  private receivedAt: number[] = [];
  private running: Promise<void> | undefined;
  private failure: unknown;
  private discarded = false;

  constructor(private readonly ctx: AppendContext) {}

  async push(drafts: ChatEventDraft[], receivedAt = 0): Promise<void> {
    if (this.failure) throw this.failure;
    if (drafts.length === 0 || this.discarded) return;
    this.queue.push(...drafts);
    for (let i = 0; i < drafts.length; i++) this.receivedAt.push(receivedAt);
    this.running ??= this.drain();
    // Back-pressure: a database slower than the upstream must not grow memory without bound.
    if (this.queue.length > MAX_QUEUED) await this.running;
  }

  /**
   * Stop: what is queued but not yet written is dropped, and later pushes are ignored. A batch
   * already being written still completes (before anything the caller appends after `flush()`).
   */
  discard(): void {
    this.discarded = true;
    this.queue = [];
    this.receivedAt = [];
  }

  async flush(): Promise<void> {
    await this.running;
    if (this.failure) throw this.failure;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        const receivedAt = this.receivedAt;
        this.queue = [];
        this.receivedAt = [];
        const events = await appendBatched(this.ctx, batch);
        if (eventsAppendedChannel.hasSubscribers && events.length === batch.length) {
          eventsAppendedChannel.publish({
            conversationId: this.ctx.conversationId,
            runId: this.ctx.runId,
            seqs: events.map((e) => e.seq),
            receivedAt,
            at: performance.now(),
          } satisfies EventsAppendedMessage);
        }
      }
    } catch (err) {
      this.failure = err;
      this.queue = [];
      this.receivedAt = [];
    } finally {
      this.running = undefined;
    }
  }
}

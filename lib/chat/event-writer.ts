import type { ChatEventDraft } from "./events";
import { appendEvents, type AppendContext } from "./event-log";

const MAX_QUEUED = 512;

/**
 * Group commit for one run's events: the first event is written at once, and whatever arrives
 * while a write is in flight goes into the next transaction together. Streaming a long answer
 * then costs a handful of transactions instead of one per token, with no added latency.
 * Order is preserved; a failed write is reported by `flush()` (and by the next `push`).
 */
export class EventWriter {
  private queue: ChatEventDraft[] = [];
  private running: Promise<void> | undefined;
  private failure: unknown;
  private discarded = false;

  constructor(private readonly ctx: AppendContext) {}

  async push(drafts: ChatEventDraft[]): Promise<void> {
    if (this.failure) throw this.failure;
    if (drafts.length === 0 || this.discarded) return;
    this.queue.push(...drafts);
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
  }

  async flush(): Promise<void> {
    await this.running;
    if (this.failure) throw this.failure;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.queue.length);
        await appendEvents(this.ctx, batch);
      }
    } catch (err) {
      this.failure = err;
      this.queue = [];
    } finally {
      this.running = undefined;
    }
  }
}

import { channelKind } from "@/lib/bus";
import { metrics } from "@/lib/telemetry/metrics";
import { keepAlive, stopKeepAlive, type Beating } from "./heartbeat";
import { joinHub, PAGE, type LogHub, type LogSource, type Tap } from "./log-hub";

const encoder = new TextEncoder();
const RETRY = encoder.encode("retry: 2000\n\n");

export interface LogStreamOptions<E extends { seq: number }> extends LogSource<E> {
  /** Bus channel that announces new entries. */
  channel: string;
  after: number;
  signal: AbortSignal;
  /**
   * The SSE frame of an entry, or null to skip it (e.g. not visible to this reader). Readers of
   * one channel receive the same entry objects, so a frame that depends only on the entry can be
   * encoded once for all of them (see sseFrameBytes).
   */
  frame(entry: E): Uint8Array | string | null;
  /** Called once when the stream ends, however it ends (client gone, error, cancel). */
  onClose?: () => void;
}

/**
 * An SSE stream over a durable, gap-free numbered log: replays after `after`, then tails live
 * entries from the channel's shared hub (lib/http/log-hub.ts). It joins the hub before replaying
 * and only ever advances to `seq = last + 1`; anything else (a gap from another writer, an entry
 * that raced the replay, a bare "poke") is filled from the log by this reader. So a reconnect with
 * Last-Event-ID sees every entry exactly once, in order.
 */
export function logEventStream<E extends { seq: number }>(
  opts: LogStreamOptions<E>,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(new LogReader(opts));
}

/**
 * One stream's state, and its underlying source. Deliberately one object with methods (it is the
 * hub's tap, the heartbeat's stream and the abort listener): thousands of idle streams each cost
 * this object and their connection — no bus subscription, timer, loop or closures of their own.
 */
class LogReader<E extends { seq: number }>
  implements UnderlyingDefaultSource<Uint8Array>, Tap<E>, Beating
{
  private last: number;
  /** Deliveries that arrived while this reader was reading the log itself; undefined when live. */
  private backlog: (readonly E[] | null)[] | undefined = [];
  private hub: LogHub<E> | undefined;
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  private ended = false;

  constructor(private readonly opts: LogStreamOptions<E>) {
    this.last = opts.after;
  }

  async start(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    this.controller = controller;
    // The open-streams gauge, by the channel's kind ("conversation", "approvals"), never its id.
    metrics().sseConnections.inc({ stream: channelKind(this.opts.channel) });
    const { signal } = this.opts;
    if (signal.aborted) return this.end();
    signal.addEventListener("abort", this, { once: true });
    try {
      // The hub outlives this stream: it keeps the log's functions, not this request's options.
      const { read, fromBus } = this.opts;
      const hub = await joinHub(this.opts.channel, { read, fromBus }, this);
      if (this.ended) return void hub.leave(this);
      this.hub = hub;
    } catch (err) {
      this.end();
      throw err;
    }
    keepAlive(this);
    this.write(RETRY);
    void this.catchUp();
  }

  cancel(): void {
    this.end();
  }

  /** The request's abort signal: the client went away. */
  handleEvent(): void {
    this.end();
  }

  write(bytes: Uint8Array): void {
    try {
      this.controller?.enqueue(bytes);
    } catch {
      // The client went away; end() tidies up.
    }
  }

  offer(entries: readonly E[] | null): void {
    if (this.ended) return;
    if (this.backlog) this.backlog.push(entries);
    else if (!this.take(entries)) void this.catchUp();
  }

  /** Sends the entries that continue this reader's log; false on a gap or a bare poke. */
  private take(entries: readonly E[] | null): boolean {
    if (entries === null) return false;
    // A committed batch goes out as one chunk: one stream write and one socket write for the
    // batch instead of one per event (measured in the scale benchmark, docs/PERFORMANCE.md).
    const frames: Uint8Array[] = [];
    let continues = true;
    for (const e of entries) {
      if (e.seq <= this.last) continue;
      if (e.seq !== this.last + 1) {
        continues = false;
        break;
      }
      const frame = this.opts.frame(e);
      if (frame !== null) frames.push(typeof frame === "string" ? encoder.encode(frame) : frame);
      this.last = e.seq;
    }
    if (frames.length > 0) this.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
    return continues;
  }

  /** Reads the log after `last` until it is caught up with everything delivered meanwhile. */
  private async catchUp(): Promise<void> {
    this.backlog ??= [];
    try {
      for (;;) {
        for (;;) {
          const page = await this.opts.read(this.last, PAGE);
          if (this.ended) return;
          this.take(page);
          if (page.length < PAGE) break;
        }
        const pending = this.backlog!.splice(0);
        if (pending.every((entries) => this.take(entries))) break;
      }
      this.hub?.advance(this.last);
      this.backlog = undefined;
    } catch {
      // Database unavailable mid-stream: end the stream; the client resumes from its last id.
      this.end();
    }
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    metrics().sseConnections.dec({ stream: channelKind(this.opts.channel) });
    stopKeepAlive(this);
    this.opts.signal.removeEventListener("abort", this);
    void this.hub?.leave(this);
    this.hub = undefined;
    this.backlog = undefined;
    try {
      this.controller?.close();
    } catch {
      // already closed or cancelled by the client
    }
    this.opts.onClose?.();
  }
}

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-store, no-transform",
  connection: "keep-alive",
  "x-accel-buffering": "no",
} as const;

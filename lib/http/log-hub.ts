import { channelKind, getBus, type Bus } from "@/lib/bus";
import { metrics } from "@/lib/telemetry/metrics";

export const PAGE = 500;

/** Where a channel's entries come from: the durable log and what its bus messages carry. */
export interface LogSource<E extends { seq: number }> {
  /** Entries with `seq > after`, in order, at most `limit`. */
  read(after: number, limit: number): Promise<E[]>;
  /** The entry a bus message carries, or null when it only says "something new" (read the log). */
  fromBus(message: unknown): E | null;
}

/**
 * A hub's reader. `offer` gets new entries, in order and gap-free from the hub's point of view,
 * or null for "something new, read the log yourself" (when the hub does not know its position
 * yet). Each reader still checks every entry against its own position; the hub only saves work.
 */
export interface Tap<E> {
  offer(entries: readonly E[] | null): void;
}

/**
 * One channel's fan-out on this process: a single bus subscription and a single log read per gap
 * or poke, shared by every stream of the channel, so a thousand subscribers of a conversation
 * cost one subscription, not a thousand (and the same entry objects reach them all, so their
 * frames can be encoded once). Created by the first reader, gone with the last.
 */
export class LogHub<E extends { seq: number }> {
  private readonly taps = new Set<Tap<E>>();
  /** Highest seq handed to the readers; undefined until the first entry or log read. */
  private cursor: number | undefined;
  private reading = false;
  private queued: (E | null)[] = [];
  private unsubscribe: (() => Promise<void>) | undefined;
  readonly ready: Promise<void>;
  private readonly gauge;

  constructor(
    bus: Bus,
    private readonly hubs: Map<string, LogHub<{ seq: number }>>,
    private readonly channel: string,
    private readonly source: LogSource<E>,
  ) {
    this.gauge = metrics().sseHubs.labels({ stream: channelKind(channel) });
    this.gauge.inc();
    this.ready = bus
      .subscribe(channel, (message) => this.onMessage(message))
      .then((stop) => {
        this.unsubscribe = stop;
      });
  }

  /**
   * A reader caught up from the log to `seq`. Only a hub that does not know its position yet takes
   * it (so it can read after it on the next poke or gap); a known cursor is only ever moved by
   * entries the hub itself handed out, or an entry announced late would be taken as a duplicate.
   */
  advance(seq: number): void {
    this.cursor ??= seq;
  }

  join(tap: Tap<E>): void {
    this.taps.add(tap);
  }

  /** The last reader out closes the hub and its bus subscription. Idempotent per reader. */
  async leave(tap: Tap<E>): Promise<void> {
    if (!this.taps.delete(tap) || this.taps.size > 0) return;
    if (this.hubs.get(this.channel) === (this as unknown)) this.hubs.delete(this.channel);
    this.gauge.dec();
    try {
      await this.ready;
      await this.unsubscribe?.();
    } catch {
      // Never subscribed, or the bus is gone: nothing is left to undo.
    }
  }

  private onMessage(message: unknown): void {
    const entry = this.source.fromBus(message);
    if (this.reading) {
      this.queued.push(entry);
      return;
    }
    if (entry && this.cursor !== undefined && entry.seq <= this.cursor) return;
    if (entry && (this.cursor === undefined || entry.seq === this.cursor + 1)) {
      this.cursor = entry.seq;
      this.broadcast([entry]);
    } else if (this.cursor === undefined) {
      this.broadcast(null);
    } else {
      void this.fill();
    }
  }

  /** Reads the log after the cursor once for all readers, until nothing queued is newer. */
  private async fill(): Promise<void> {
    this.reading = true;
    try {
      for (;;) {
        for (;;) {
          const page = await this.source.read(this.cursor!, PAGE);
          const fresh = page.filter((e) => e.seq > this.cursor!);
          if (fresh.length > 0) {
            this.cursor = fresh.at(-1)!.seq;
            this.broadcast(fresh);
          }
          if (page.length < PAGE) break;
        }
        const queued = this.queued.splice(0);
        if (!queued.some((e) => e === null || e.seq > this.cursor!)) return;
      }
    } catch {
      // The log is unavailable: let each reader try (and end its stream if it fails too).
      this.queued = [];
      this.broadcast(null);
    } finally {
      this.reading = false;
    }
  }

  private broadcast(entries: readonly E[] | null): void {
    for (const tap of this.taps) {
      try {
        tap.offer(entries);
      } catch {
        // A failing reader must not keep the others from their entries.
      }
    }
  }
}

const KEY = Symbol.for("foundry-agent-chat.log-hubs");
type Holder = { [KEY]?: WeakMap<Bus, Map<string, LogHub<{ seq: number }>>> };

function hubsOf(bus: Bus): Map<string, LogHub<{ seq: number }>> {
  const g = globalThis as Holder;
  g[KEY] ??= new WeakMap();
  let hubs = g[KEY].get(bus);
  if (!hubs) g[KEY].set(bus, (hubs = new Map()));
  return hubs;
}

/**
 * Joins `tap` to the channel's hub on the current bus, creating it (and its bus subscription)
 * for the first reader. Resolves once the subscription is live, so a reader that replays the log
 * after this cannot miss an entry announced meanwhile. The reader leaves with `hub.leave(tap)`.
 */
export async function joinHub<E extends { seq: number }>(
  channel: string,
  source: LogSource<E>,
  tap: Tap<E>,
): Promise<LogHub<E>> {
  const bus = getBus();
  const hubs = hubsOf(bus);
  let hub = hubs.get(channel) as LogHub<E> | undefined;
  if (!hub) {
    hub = new LogHub<E>(bus, hubs, channel, source);
    hubs.set(channel, hub as unknown as LogHub<{ seq: number }>);
  }
  hub.join(tap);
  try {
    await hub.ready;
  } catch (err) {
    await hub.leave(tap);
    throw err;
  }
  return hub;
}

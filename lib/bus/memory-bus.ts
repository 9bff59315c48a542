import { metrics } from "@/lib/telemetry/metrics";
import { channelKind, type Bus, type BusHandler } from "./bus";

/** Single-process bus: synchronous delivery in publish order. */
export class MemoryBus implements Bus {
  readonly distributed = false;
  private readonly channels = new Map<string, Set<BusHandler>>();

  async publish(channel: string, message: unknown): Promise<void> {
    for (const handler of this.channels.get(channel) ?? []) {
      try {
        handler(message);
      } catch {
        // A failing subscriber must not break the publisher or other subscribers.
      }
    }
  }

  async subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>> {
    let set = this.channels.get(channel);
    if (!set) this.channels.set(channel, (set = new Set()));
    set.add(handler);
    const gauge = metrics().busSubscriptions.labels({ channel: channelKind(channel) });
    gauge.inc();
    return async () => {
      if (set.delete(handler)) gauge.dec();
      if (set.size === 0 && this.channels.get(channel) === set) this.channels.delete(channel);
    };
  }

  async close(): Promise<void> {
    for (const [channel, set] of this.channels) {
      metrics().busSubscriptions.dec({ channel: channelKind(channel) }, set.size);
      set.clear();
    }
    this.channels.clear();
  }

  subscriberCount(channel: string): number {
    return this.channels.get(channel)?.size ?? 0;
  }
}

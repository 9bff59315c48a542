import type { Bus, BusHandler } from "./bus";

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
    return async () => {
      set.delete(handler);
      if (set.size === 0) this.channels.delete(channel);
    };
  }

  async close(): Promise<void> {
    this.channels.clear();
  }

  subscriberCount(channel: string): number {
    return this.channels.get(channel)?.size ?? 0;
  }
}

import { Redis } from "ioredis";
import { logger } from "@/lib/log";
import { metrics } from "@/lib/telemetry/metrics";
import { channelKind, type Bus, type BusHandler } from "./bus";

/**
 * Bus across replicas on Redis pub/sub: one connection publishes, one subscribes (a subscribed
 * connection can do nothing else). Redis delivers a publisher's messages in order, including to
 * the publishing process itself, so every replica sees the same stream. A message lost while a
 * connection reconnects costs latency only: the SSE stream fills gaps from the event log.
 */
export class RedisBus implements Bus {
  readonly distributed = true;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly channels = new Map<string, Set<BusHandler>>();

  constructor(url: string) {
    this.pub = new Redis(url, { connectionName: "fac-bus-pub", maxRetriesPerRequest: 2 });
    this.sub = new Redis(url, { connectionName: "fac-bus-sub" });
    for (const client of [this.pub, this.sub]) {
      client.on("error", (err) =>
        logger().warn({ err: err.message }, "redis bus connection error"),
      );
    }
    this.sub.on("message", (channel: string, raw: string) => this.deliver(channel, raw));
  }

  async publish(channel: string, message: unknown): Promise<void> {
    await this.pub.publish(channel, JSON.stringify(message));
  }

  async subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>> {
    let set = this.channels.get(channel);
    if (!set) {
      this.channels.set(channel, (set = new Set()));
      await this.sub.subscribe(channel);
    }
    set.add(handler);
    const gauge = metrics().busSubscriptions.labels({ channel: channelKind(channel) });
    gauge.inc();
    return async () => {
      if (set.delete(handler)) gauge.dec();
      if (set.size === 0 && this.channels.get(channel) === set) {
        this.channels.delete(channel);
        await this.sub.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    for (const [channel, set] of this.channels) {
      metrics().busSubscriptions.dec({ channel: channelKind(channel) }, set.size);
      set.clear();
    }
    this.channels.clear();
    await Promise.all([this.pub, this.sub].map((c) => c.quit().catch(() => c.disconnect())));
  }

  private deliver(channel: string, raw: string): void {
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    for (const handler of this.channels.get(channel) ?? []) {
      try {
        handler(message);
      } catch {
        // A failing subscriber must not break the others.
      }
    }
  }
}

import { Redis } from "ioredis";

const KEY = Symbol.for("foundry-agent-chat.limits.redis");
type Holder = { [KEY]?: Map<string, Redis> };

/**
 * One ioredis client per URL and process for the limiters. Commands fail fast when Redis is
 * unreachable (no offline queue, one retry) so a limiter can fall back instead of hanging a call.
 */
export function limitsRedis(url: string): Redis {
  const g = globalThis as Holder;
  g[KEY] ??= new Map();
  let client = g[KEY].get(url);
  if (!client) {
    client = new Redis(url, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectionName: "fac-limits",
    });
    // Connection errors are retried by ioredis and surface per command; don't crash on the event.
    client.on("error", () => undefined);
    g[KEY].set(url, client);
  }
  return client;
}

/** Tests close their clients so the process can exit. */
export async function closeLimitsRedis(): Promise<void> {
  const g = globalThis as Holder;
  const clients = [...(g[KEY]?.values() ?? [])];
  g[KEY]?.clear();
  await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
}

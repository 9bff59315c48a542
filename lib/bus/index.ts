import type { Bus } from "./bus";
import { getConfig } from "@/lib/config";
import { MemoryBus } from "./memory-bus";
import { RedisBus } from "./redis-bus";

export type { Bus, BusHandler } from "./bus";
export { channelKind } from "./bus";

const KEY = Symbol.for("foundry-agent-chat.bus");
type Holder = { [KEY]?: Bus };

/**
 * The process-wide bus (one instance even when Next evaluates this module more than once):
 * Redis when REDIS_URL is set, so replicas see each other's events; in-process otherwise.
 */
export function getBus(): Bus {
  const g = globalThis as Holder;
  const redisUrl = getConfig().redisUrl;
  g[KEY] ??= redisUrl ? new RedisBus(redisUrl) : new MemoryBus();
  return g[KEY];
}

export function setBus(bus: Bus | undefined): void {
  const g = globalThis as Holder;
  if (bus) g[KEY] = bus;
  else delete g[KEY];
}

export const conversationChannel = (conversationId: string) => `conversation:${conversationId}`;
export const runControlChannel = "run-control";

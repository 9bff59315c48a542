import type { Bus } from "./bus";
import { MemoryBus } from "./memory-bus";

export type { Bus, BusHandler } from "./bus";

const KEY = Symbol.for("foundry-agent-chat.bus");
type Holder = { [KEY]?: Bus };

/** The process-wide bus (one instance even when Next evaluates this module more than once). */
export function getBus(): Bus {
  const g = globalThis as Holder;
  g[KEY] ??= new MemoryBus();
  return g[KEY];
}

export function setBus(bus: Bus | undefined): void {
  const g = globalThis as Holder;
  if (bus) g[KEY] = bus;
  else delete g[KEY];
}

export const conversationChannel = (conversationId: string) => `conversation:${conversationId}`;
export const runControlChannel = "run-control";

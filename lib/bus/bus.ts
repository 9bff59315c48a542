/**
 * Fan-out of live notifications between the code that produces conversation events and the SSE
 * streams that tail them. The durable EventLog is the source of truth; the bus only says "there
 * is something new", so a lost message costs latency, never data. In-process by default; a
 * Redis implementation fills the same interface for scale-out.
 */
export type BusHandler = (message: unknown) => void;

export interface Bus {
  /** True when other processes receive what this one publishes (Redis), false in-process. */
  readonly distributed: boolean;
  publish(channel: string, message: unknown): Promise<void>;
  subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** The kind of a channel (`conversation:<id>` → `conversation`): a bounded metric label. */
export const channelKind = (channel: string) => channel.split(":")[0]!;

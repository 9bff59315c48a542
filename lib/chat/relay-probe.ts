import diagnostics_channel from "node:diagnostics_channel";

/**
 * Diagnostics channels for measuring the relay (scripts/bench/relay.ts, scale.ts): they cost one
 * `hasSubscribers` check per upstream frame and per batch when nobody listens, so they stay in
 * production code. Times are `performance.now()` of this process.
 */

/** A run hands its request to the HTTP client (the real send: undici's `undici:client:sendHeaders`). */
export interface UpstreamRequestMessage {
  conversationId: string;
  runId: string;
  at: number;
}

/**
 * A batch of a run's events is durable (committed) and published on the bus: `seqs[i]` came from
 * the upstream frame the RunDriver received at `receivedAt[i]`.
 */
export interface EventsAppendedMessage {
  conversationId: string;
  runId: string;
  seqs: number[];
  receivedAt: number[];
  at: number;
}

export const upstreamRequestChannel = diagnostics_channel.channel("fac:chat:upstream-request");
export const eventsAppendedChannel = diagnostics_channel.channel("fac:chat:events-appended");

/** `performance.now()` when someone measures, else 0 (no clock read on the token path). */
export function probeClock(): number {
  return eventsAppendedChannel.hasSubscribers ? performance.now() : 0;
}

/**
 * Upstream (Foundry / OpenAI Responses) events → our ChatEvent drafts. Pure: no I/O, no clock,
 * never throws on what the agent service sends. The RunDriver stamps seq, ids and time, and
 * emits `run.started` itself. Mapping table: docs/EVENTS.md.
 */
import type { ChatEventDraft } from "@/lib/chat/events";
import { upstreamErrorOfThrown } from "./normalizer/errors";
import { normalizeResponseDetailed } from "./normalizer/response";
import { failRun } from "./normalizer/run-end";
import type { NormalizerState } from "./normalizer/state";

export { initialNormalizerState } from "./normalizer/state";
export type { NormalizerState, ToolCallInfo, UpstreamError } from "./normalizer/state";
export { normalizeStreamEvent } from "./normalizer/stream";
export { normalizeResponseDetailed };
/** Whether something the openai client threw is the agent service's verdict (it carries a code). */
export { upstreamErrorOfThrown };

/** A non-streaming Response object (its output items, status and error) → drafts. */
export function normalizeResponse(response: unknown): ChatEventDraft[] {
  return normalizeResponseDetailed(response).events;
}

/**
 * The upstream stream ended (or threw) without a terminal event. `cause` is what the client
 * threw, if anything: an error carrying a code (the openai client's APIError for an error frame)
 * is the upstream's verdict; otherwise the stream just ended, which is worth retrying.
 * Returns nothing for a response that already ended or paused for the user.
 */
export function finishNormalizer(state: NormalizerState, cause?: unknown): ChatEventDraft[] {
  if (state.ended) return [];
  const error = state.errorFrame ??
    upstreamErrorOfThrown(cause) ?? {
      code: "stream_ended",
      message: "The agent stopped answering before the reply was finished. Please try again.",
    };
  return failRun(state, error).events;
}

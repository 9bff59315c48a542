import { draft, type ChatEventDraft } from "@/lib/chat/events";
import { isRetriable } from "./errors";
import type { NormalizerState, Step, UpstreamError } from "./state";
import { failedDraft } from "./tools";

/** Closes every open tool call with `error`, so no spinner outlives its run. */
function failOpenCalls(state: NormalizerState, error: string): ChatEventDraft[] {
  return Object.values(state.openToolCalls).map((info) => failedDraft(info, error));
}

function ended(state: NormalizerState): NormalizerState {
  return { ...state, ended: true, awaiting: null, openToolCalls: {} };
}

/** The single `run.failed` of a response, after failing the tool calls it interrupted. */
export function failRun(
  state: NormalizerState,
  error: UpstreamError,
  retriable = isRetriable(error.code),
): Step {
  return {
    state: ended(state),
    events: [
      ...failOpenCalls(state, error.message),
      draft("run.failed", { code: error.code, message: error.message, retriable }),
    ],
  };
}

export function cancelRun(state: NormalizerState, reason: string | undefined): Step {
  return {
    state: ended(state),
    events: [
      ...failOpenCalls(state, "The run was cancelled."),
      draft("run.cancelled", reason ? { reason } : {}),
    ],
  };
}

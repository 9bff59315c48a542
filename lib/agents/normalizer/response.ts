import { isObj, nonEmpty, objects, str, type Obj } from "./read";
import { failRun } from "./run-end";
import {
  initialNormalizerState,
  type NormalizerOptions,
  type NormalizerState,
  type Step,
} from "./state";
import {
  reconcileOutput,
  responseCancelled,
  responseCompleted,
  responseFailed,
  responseIncomplete,
} from "./terminal";
import { toolCallOf, toolOutcomeOf } from "./tools";

/**
 * A failed non-streaming response does not say which call broke. Execution stops at the failure,
 * so a trailing tool call without a result is the interrupted one: treat it as still open (as a
 * stream would have it) and let the failure close it.
 */
function openInterruptedCall(state: NormalizerState, output: unknown): NormalizerState {
  const last = objects(output).at(-1);
  const info = last ? toolCallOf(last) : null;
  if (!last || !info) return state;
  const outcome = toolOutcomeOf(last, info.kind);
  if (
    outcome.status === "failed" ||
    (outcome.status === "completed" && outcome.output !== undefined)
  )
    return state;
  return { ...state, openToolCalls: { ...state.openToolCalls, [info.callId]: info } };
}

export function normalizeResponseDetailed(
  response: unknown,
  options: NormalizerOptions = {},
): Step {
  const initial = initialNormalizerState(options);
  if (!isObj(response)) {
    return failRun(
      initial,
      { code: "invalid_response", message: "The agent service sent an answer we could not read." },
      true,
    );
  }
  const state: NormalizerState = { ...initial, responseId: nonEmpty(response.id) ?? null };
  return byStatus(state, response);
}

function byStatus(state: NormalizerState, response: Obj): Step {
  switch (str(response.status)) {
    case "completed":
      return responseCompleted(state, response);
    case "failed":
      return responseFailed(openInterruptedCall(state, response.output), response);
    case "incomplete":
      return responseIncomplete(state, response);
    case "cancelled":
      return responseCancelled(state, response);
    default:
      // queued / in_progress (background mode): what exists so far, no verdict yet.
      return reconcileOutput(state, response.output);
  }
}

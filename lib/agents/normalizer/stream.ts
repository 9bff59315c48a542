import { consentEvent } from "./consent";
import { errorFrameOf } from "./errors";
import { itemAdded, itemDone } from "./items";
import { arr, isObj, nonEmpty, num, str, type Obj } from "./read";
import { initialNormalizerState, unchanged, type NormalizerState, type Step } from "./state";
import {
  responseCancelled,
  responseCompleted,
  responseFailed,
  responseIncomplete,
} from "./terminal";
import { annotationAdded, textDelta, textPartDone } from "./text";

type Handler = (state: NormalizerState, event: Obj) => Step;

const responseOf = (event: Obj): Obj => (isObj(event.response) ? event.response : {});

const noteResponse: Handler = (state, event) => {
  const id = nonEmpty(responseOf(event).id);
  return unchanged(id && !state.responseId ? { ...state, responseId: id } : state);
};

/** Sets what is known of a call's arguments (the open call, and the per-item buffer). */
function withArguments(state: NormalizerState, itemId: string, args: string): NormalizerState {
  const known = state.openToolCalls[itemId];
  return {
    ...state,
    argumentDeltas: { ...state.argumentDeltas, [itemId]: args },
    openToolCalls: known
      ? { ...state.openToolCalls, [itemId]: { ...known, arguments: args } }
      : state.openToolCalls,
  };
}

/**
 * Arguments stream separately from the item (`*_arguments.delta`, custom tool input, interpreter
 * code): accumulate them per item, so a failure right after a delta still shows them.
 */
const noteArgumentsDelta: Handler = (state, event) => {
  const itemId = nonEmpty(event.item_id);
  const delta = nonEmpty(event.delta);
  if (!itemId || !delta || state.finishedItemIds[itemId]) return unchanged(state);
  return unchanged(withArguments(state, itemId, (state.argumentDeltas[itemId] ?? "") + delta));
};

/** The final arguments of a call (`*_arguments.done`): they replace the accumulated deltas. */
const noteArguments =
  (field: string): Handler =>
  (state, event) => {
    const itemId = nonEmpty(event.item_id);
    const args = nonEmpty(event[field]);
    if (!itemId || !args || state.finishedItemIds[itemId]) return unchanged(state);
    return unchanged(withArguments(state, itemId, args));
  };

/** Foundry's own tools stream arguments with events named after them (`response.<x>_arguments.*`). */
function argumentsHandler(type: string): Handler | undefined {
  if (/^response\.[a-z_]+_arguments\.delta$/.test(type)) return noteArgumentsDelta;
  if (/^response\.[a-z_]+_arguments\.done$/.test(type)) return noteArguments("arguments");
  return undefined;
}

/** A finished content part carries the part's annotations (and its text again). */
const contentPartDone: Handler = (state, event) => {
  const part = isObj(event.part) ? event.part : {};
  const text = part.type === "refusal" ? str(part.refusal) : str(part.text);
  if (part.type !== "output_text" && part.type !== "refusal") return unchanged(state);
  return textPartDone(
    state,
    nonEmpty(event.item_id),
    num(event.content_index) ?? 0,
    text,
    arr(part.annotations),
  );
};

const HANDLERS: Readonly<Record<string, Handler>> = {
  "response.created": noteResponse,
  "response.queued": noteResponse,
  "response.in_progress": noteResponse,
  "response.output_item.added": (s, e) => itemAdded(s, e.item),
  "response.output_item.done": (s, e) => itemDone(s, e.item),
  "response.output_text.delta": (s, e) => textDelta(s, nonEmpty(e.item_id), str(e.delta)),
  "response.refusal.delta": (s, e) => textDelta(s, nonEmpty(e.item_id), str(e.delta)),
  "response.output_text.done": (s, e) =>
    textPartDone(s, nonEmpty(e.item_id), num(e.content_index) ?? 0, str(e.text)),
  "response.refusal.done": (s, e) =>
    textPartDone(s, nonEmpty(e.item_id), num(e.content_index) ?? 0, str(e.refusal)),
  "response.output_text.annotation.added": (s, e) =>
    annotationAdded(
      s,
      nonEmpty(e.item_id),
      num(e.content_index) ?? 0,
      num(e.annotation_index),
      e.annotation,
    ),
  "response.content_part.done": (s, e) => contentPartDone(s, e),
  "response.function_call_arguments.delta": noteArgumentsDelta,
  "response.function_call_arguments.done": noteArguments("arguments"),
  "response.mcp_call_arguments.delta": noteArgumentsDelta,
  "response.mcp_call_arguments.done": noteArguments("arguments"),
  "response.custom_tool_call_input.delta": noteArgumentsDelta,
  "response.custom_tool_call_input.done": noteArguments("input"),
  "response.code_interpreter_call_code.delta": noteArgumentsDelta,
  "response.code_interpreter_call_code.done": noteArguments("code"),
  // Foundry sends this frame just before `response.failed`; the openai client throws on it.
  error: (s, e) => unchanged({ ...s, errorFrame: errorFrameOf(e) ?? s.errorFrame }),
  "response.completed": (s, e) => responseCompleted(s, responseOf(e)),
  "response.failed": (s, e) => responseFailed(s, responseOf(e)),
  "response.incomplete": (s, e) => responseIncomplete(s, responseOf(e)),
  "response.cancelled": (s, e) => responseCancelled(s, responseOf(e)),
  // Foundry's event form of an `oauth_consent_request` item (hosted agents send both).
  "response.oauth_consent_requested": (s, e) => consentEvent(s, e),
};

/** A new response after the previous one ended (e.g. the continuation after an approval). */
function startsNewResponse(state: NormalizerState, event: Obj): boolean {
  if (!state.ended || event.type !== "response.created") return false;
  const id = nonEmpty(responseOf(event).id);
  return Boolean(id && id !== state.responseId);
}

export function normalizeStreamEvent(state: NormalizerState, event: unknown): Step {
  if (!isObj(event)) return unchanged(state);
  const type = str(event.type);
  const handler = type ? (HANDLERS[type] ?? argumentsHandler(type)) : undefined;
  const current = startsNewResponse(state, event)
    ? initialNormalizerState({ consentLinks: state.consentLinks })
    : state;
  if (current.ended) return unchanged(current);
  const seq = num(event.sequence_number);
  if (seq !== undefined && seq <= current.lastSequence) return unchanged(current);
  const sequenced = seq === undefined ? current : { ...current, lastSequence: seq };
  return handler ? handler(sequenced, event) : unchanged(sequenced);
}

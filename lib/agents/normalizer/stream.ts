import { errorFrameOf } from "./errors";
import { itemAdded, itemDone } from "./items";
import { isObj, nonEmpty, num, str, type Obj } from "./read";
import { initialNormalizerState, unchanged, type NormalizerState, type Step } from "./state";
import {
  responseCancelled,
  responseCompleted,
  responseFailed,
  responseIncomplete,
} from "./terminal";
import { textDelta, textPartDone } from "./text";

type Handler = (state: NormalizerState, event: Obj) => Step;

const responseOf = (event: Obj): Obj => (isObj(event.response) ? event.response : {});

const noteResponse: Handler = (state, event) => {
  const id = nonEmpty(responseOf(event).id);
  return unchanged(id && !state.responseId ? { ...state, responseId: id } : state);
};

/** Arguments can stream separately from the item; keep the final ones for a later failure. */
const noteArguments =
  (field: string): Handler =>
  (state, event) => {
    const callId = nonEmpty(event.item_id);
    const args = nonEmpty(event[field]);
    const known = callId ? state.openToolCalls[callId] : undefined;
    if (!callId || !args || !known) return unchanged(state);
    return unchanged({
      ...state,
      openToolCalls: { ...state.openToolCalls, [callId]: { ...known, arguments: args } },
    });
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
  "response.function_call_arguments.done": noteArguments("arguments"),
  "response.mcp_call_arguments.done": noteArguments("arguments"),
  "response.code_interpreter_call_code.done": noteArguments("code"),
  // Foundry sends this frame just before `response.failed`; the openai client throws on it.
  error: (s, e) => unchanged({ ...s, errorFrame: errorFrameOf(e) ?? s.errorFrame }),
  "response.completed": (s, e) => responseCompleted(s, responseOf(e)),
  "response.failed": (s, e) => responseFailed(s, responseOf(e)),
  "response.incomplete": (s, e) => responseIncomplete(s, responseOf(e)),
  "response.cancelled": (s, e) => responseCancelled(s, responseOf(e)),
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
  const handler = type ? HANDLERS[type] : undefined;
  const current = startsNewResponse(state, event) ? initialNormalizerState() : state;
  if (current.ended) return unchanged(current);
  const seq = num(event.sequence_number);
  if (seq !== undefined && seq <= current.lastSequence) return unchanged(current);
  const sequenced = seq === undefined ? current : { ...current, lastSequence: seq };
  return handler ? handler(sequenced, event) : unchanged(sequenced);
}

import { draft, type ChatEventData } from "@/lib/chat/events";
import { pauseForConsent } from "./consent";
import { upstreamErrorOf } from "./errors";
import { itemDone } from "./items";
import { isObj, nonEmpty, num, objects, str, type Obj } from "./read";
import { cancelRun, failRun } from "./run-end";
import { chain, unchanged, type NormalizerState, type Step } from "./state";
import { completedDraft, mergeToolInfo, toolCallOf } from "./tools";

type Usage = NonNullable<ChatEventData<"run.completed">["usage"]>;

/** Applies every output item of a final response; stops if one of them ends the run. */
export function reconcileOutput(state: NormalizerState, output: unknown, skipOpen = false): Step {
  return chain(
    state,
    objects(output).map((item) => (s: NormalizerState) => {
      if (s.ended) return unchanged(s);
      const id = nonEmpty(item.id);
      if (skipOpen && id && s.openToolCalls[id]) return unchanged(s);
      return itemDone(s, item);
    }),
  );
}

export function responseCompleted(state: NormalizerState, response: Obj): Step {
  return chain(state, [
    (s) => reconcileOutput(s, response.output),
    (s) => (s.ended ? unchanged(s) : closeLeftoverCalls(s)),
    (s) => (s.ended ? unchanged(s) : pauseOrComplete(s, response)),
  ]);
}

/**
 * A completed response whose terminal output lacked a call we saw start: the response succeeded,
 * so the call did too (we just have no result to show).
 */
function closeLeftoverCalls(state: NormalizerState): Step {
  const events = Object.values(state.openToolCalls).map((info) => completedDraft(info, undefined));
  return { state: { ...state, openToolCalls: {} }, events };
}

/** `mcp_approval_request` / consent end the response as `completed`: the run pauses instead. */
function pauseOrComplete(state: NormalizerState, response: Obj): Step {
  const awaiting =
    state.pendingConsentIds.length > 0
      ? "consent"
      : state.pendingApprovalIds.length > 0
        ? "approval"
        : null;
  if (awaiting) return { state: { ...state, ended: true, awaiting }, events: [] };
  const responseId = nonEmpty(response.id) ?? state.responseId ?? undefined;
  const usage = usageOf(response.usage);
  const data = { ...(responseId ? { responseId } : {}), ...(usage ? { usage } : {}) };
  return { state: { ...state, ended: true }, events: [draft("run.completed", data)] };
}

function usageOf(value: unknown): Usage | undefined {
  if (!isObj(value)) return undefined;
  const usage: Usage = {};
  const input = num(value.input_tokens);
  const output = num(value.output_tokens);
  const total = num(value.total_tokens);
  if (input !== undefined) usage.inputTokens = input;
  if (output !== undefined) usage.outputTokens = output;
  if (total !== undefined) usage.totalTokens = total;
  return Object.keys(usage).length > 0 ? usage : undefined;
}

/**
 * One `run.failed`, with the best error known: the response's own, else the earlier error frame.
 * Calls still open are the ones the failure interrupted (the openapi recording lists its call as
 * `completed` in the failed response): they fail, enriched with the arguments the output carries.
 */
export function responseFailed(state: NormalizerState, response: Obj): Step {
  const error = upstreamErrorOf(response.error) ??
    state.errorFrame ?? {
      code: "upstream_failed",
      message: "The agent service reported a failure without details.",
    };
  return chain(state, [
    (s) => reconcileOutput(enrichOpenCalls(s, response.output), response.output, true),
    (s) => (s.ended ? unchanged(s) : (pauseForConsent(s) ?? failRun(s, error))),
  ]);
}

export function responseIncomplete(state: NormalizerState, response: Obj): Step {
  const details = isObj(response.incomplete_details) ? response.incomplete_details : {};
  const reason = str(details.reason);
  const message = reason
    ? `The answer was cut short (${reason.replaceAll("_", " ")}).`
    : "The answer was cut short.";
  // Hosted agents end `incomplete` when they asked for consent: the run waits for the user.
  return chain(state, [
    (s) => reconcileOutput(s, response.output),
    (s) =>
      s.ended
        ? unchanged(s)
        : (pauseForConsent(s) ?? failRun(s, { code: "incomplete", message }, false)),
  ]);
}

export function responseCancelled(state: NormalizerState, response: Obj): Step {
  return chain(state, [
    (s) => reconcileOutput(enrichOpenCalls(s, response.output), response.output, true),
    (s) => (s.ended ? unchanged(s) : cancelRun(s, undefined)),
  ]);
}

function enrichOpenCalls(state: NormalizerState, output: unknown): NormalizerState {
  let openToolCalls = state.openToolCalls;
  for (const item of objects(output)) {
    const latest = toolCallOf(item);
    const known = latest && openToolCalls[latest.callId];
    if (latest && known)
      openToolCalls = { ...openToolCalls, [latest.callId]: mergeToolInfo(known, latest) };
  }
  return { ...state, openToolCalls };
}

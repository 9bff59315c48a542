import { draft } from "@/lib/chat/events";
import { consentRequested, toolboxConsentOf, toolboxConsentRequested } from "./consent";
import { isObj, nonEmpty, objects, str, type Obj } from "./read";
import { markFinished, unchanged, withoutOpenCall, type NormalizerState, type Step } from "./state";
import { messageDone } from "./text";
import {
  expectsSeparateOutput,
  failedDraft,
  isOutputItem,
  mergeToolInfo,
  outputItemResult,
  resultDraft,
  startedDraft,
  toolCallOf,
  toolOutcomeOf,
} from "./tools";
import type { ToolCallInfo } from "./state";

/** Opens (or updates) a call, remembering its upstream `call_id` for a separate output item. */
function withOpenCall(state: NormalizerState, info: ToolCallInfo): NormalizerState {
  const callIds = info.upstreamCallId
    ? { ...state.callIds, [info.upstreamCallId]: info.callId }
    : state.callIds;
  return { ...state, callIds, openToolCalls: { ...state.openToolCalls, [info.callId]: info } };
}

/** `response.output_item.added`: only tool calls have a visible beginning. */
export function itemAdded(state: NormalizerState, item: unknown): Step {
  if (!isObj(item)) return unchanged(state);
  const latest = toolCallOf(item);
  if (!latest || state.openToolCalls[latest.callId] || state.finishedItemIds[latest.callId])
    return unchanged(state);
  // Argument deltas that came before the item (unusual) still count.
  const streamed = state.argumentDeltas[latest.callId];
  const info = latest.arguments || !streamed ? latest : { ...latest, arguments: streamed };
  const early = info.upstreamCallId ? state.earlyOutputs[info.upstreamCallId] : undefined;
  if (early && info.upstreamCallId) {
    // Its output came first: the call is over as soon as it appears.
    const { [info.upstreamCallId]: _used, ...earlyOutputs } = state.earlyOutputs;
    void _used;
    return {
      state: { ...markFinished(state, info.callId), earlyOutputs },
      events: [startedDraft(info), resultDraft(info, early)],
    };
  }
  return { state: withOpenCall(state, info), events: [startedDraft(info)] };
}

/**
 * A finished item (`response.output_item.done`, or an item of a terminal/non-streaming response).
 * Idempotent per item id, so the same item seen twice produces its events once.
 */
export function itemDone(state: NormalizerState, item: unknown): Step {
  if (!isObj(item)) return unchanged(state);
  // `custom_tool_call_output` may come without an id of its own.
  const id =
    nonEmpty(item.id) ?? (isOutputItem(item) ? `output:${String(item.call_id)}` : undefined);
  if (!id) return unchanged(state);
  if (item.type === "message") return messageDone(state, id, item.content);
  if (state.finishedItemIds[id]) return unchanged(state);
  if (isOutputItem(item)) return outputItemDone(state, id, item);
  // A toolbox MCP endpoint saying the user has to sign in first (JSON-RPC -32006 / -32007).
  const toolboxConsent = toolboxConsentOf(item);
  if (toolboxConsent) return toolboxConsentRequested(state, id, item, toolboxConsent);
  switch (item.type) {
    case "mcp_list_tools":
      return toolsListed(state, id, item);
    case "mcp_approval_request":
      return approvalRequested(state, id, item);
    case "oauth_consent_request":
      return consentRequested(state, id, item);
    default:
      return toolItemDone(state, item);
  }
}

function toolItemDone(state: NormalizerState, item: Obj): Step {
  const latest = toolCallOf(item);
  if (!latest) return unchanged(state);
  const info = mergeToolInfo(state.openToolCalls[latest.callId], latest);
  const outcome = toolOutcomeOf(item, info.kind);
  const early = info.upstreamCallId ? state.earlyOutputs[info.upstreamCallId] : undefined;
  const awaiting = outcome.status === "completed" && expectsSeparateOutput(item, info.kind);
  if (outcome.status === "running" || (awaiting && !early)) {
    // Still at work, or done with its result still to come as a separate output item.
    const wasOpen = Boolean(state.openToolCalls[info.callId]);
    const next = withOpenCall(state, awaiting ? { ...info, awaitingOutput: true } : info);
    return { state: next, events: wasOpen ? [] : [startedDraft(info)] };
  }
  const closed = markFinished(withoutOpenCall(state, info.callId), info.callId);
  if (awaiting && early && info.upstreamCallId) {
    const { [info.upstreamCallId]: _used, ...earlyOutputs } = state.earlyOutputs;
    void _used;
    const started = state.openToolCalls[info.callId] ? [] : [startedDraft(info)];
    return { state: { ...closed, earlyOutputs }, events: [...started, resultDraft(info, early)] };
  }
  const result =
    outcome.status === "completed"
      ? resultDraft(info, { status: "completed", output: outcome.output })
      : failedDraft(info, outcome.error);
  return { state: closed, events: [result] };
}

/**
 * A separate output item (`function_call_output`, `mcp_call_output`, …): its `call_id` is the
 * call item's `call_id` (not its id). It closes the call; one that came before its call is kept
 * until the call is done.
 */
function outputItemDone(state: NormalizerState, id: string, item: Obj): Step {
  const upstreamCallId = String(item.call_id);
  const result = outputItemResult(item);
  const marked = markFinished(state, id);
  const callId =
    state.callIds[upstreamCallId] ??
    (state.openToolCalls[upstreamCallId] ? upstreamCallId : undefined);
  const open = callId ? state.openToolCalls[callId] : undefined;
  if (callId && open) {
    return {
      state: markFinished(withoutOpenCall(marked, callId), callId),
      events: [resultDraft(open, result)],
    };
  }
  if (callId && state.finishedItemIds[callId]) return unchanged(marked);
  return {
    state: { ...marked, earlyOutputs: { ...state.earlyOutputs, [upstreamCallId]: result } },
    events: [],
  };
}

function toolsListed(state: NormalizerState, id: string, item: Obj): Step {
  const serverLabel = nonEmpty(item.server_label);
  // A failed listing has no tools to show; the response's own error tells the story.
  if (!serverLabel || !Array.isArray(item.tools)) return unchanged(state);
  const tools = objects(item.tools).flatMap((tool) => {
    const name = nonEmpty(tool.name);
    const description = nonEmpty(tool.description);
    return name ? [description ? { name, description } : { name }] : [];
  });
  return {
    state: markFinished(state, id),
    events: [draft("tools.listed", { serverLabel, tools })],
  };
}

function approvalRequested(state: NormalizerState, id: string, item: Obj): Step {
  const next = {
    ...markFinished(state, id),
    pendingApprovalIds: [...state.pendingApprovalIds, id],
  };
  const event = draft("approval.requested", {
    approvalRequestId: id,
    name: nonEmpty(item.name) ?? "unknown tool",
    serverLabel: str(item.server_label) ?? "",
    arguments:
      typeof item.arguments === "string" ? item.arguments : JSON.stringify(item.arguments ?? {}),
  });
  return { state: next, events: [event] };
}

import { draft } from "@/lib/chat/events";
import { isObj, nonEmpty, objects, str, type Obj } from "./read";
import { failRun } from "./run-end";
import { markFinished, unchanged, withoutOpenCall, type NormalizerState, type Step } from "./state";
import { messageDone } from "./text";
import {
  completedDraft,
  failedDraft,
  mergeToolInfo,
  startedDraft,
  toolCallOf,
  toolOutcomeOf,
} from "./tools";

/** `response.output_item.added`: only tool calls have a visible beginning. */
export function itemAdded(state: NormalizerState, item: unknown): Step {
  if (!isObj(item)) return unchanged(state);
  const info = toolCallOf(item);
  if (!info || state.openToolCalls[info.callId] || state.finishedItemIds[info.callId])
    return unchanged(state);
  return {
    state: { ...state, openToolCalls: { ...state.openToolCalls, [info.callId]: info } },
    events: [startedDraft(info)],
  };
}

/**
 * A finished item (`response.output_item.done`, or an item of a terminal/non-streaming response).
 * Idempotent per item id, so the same item seen twice produces its events once.
 */
export function itemDone(state: NormalizerState, item: unknown): Step {
  if (!isObj(item)) return unchanged(state);
  const id = nonEmpty(item.id);
  if (!id) return unchanged(state);
  if (item.type === "message") return messageDone(state, id, item.content);
  if (state.finishedItemIds[id]) return unchanged(state);
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
  if (outcome.status === "running") {
    // Non-streaming or background copy of a call still at work: it has started, nothing more.
    const wasOpen = Boolean(state.openToolCalls[info.callId]);
    const next = { ...state, openToolCalls: { ...state.openToolCalls, [info.callId]: info } };
    return { state: next, events: wasOpen ? [] : [startedDraft(info)] };
  }
  const closed = markFinished(withoutOpenCall(state, info.callId), info.callId);
  const event =
    outcome.status === "completed"
      ? completedDraft(info, outcome.output)
      : failedDraft(info, outcome.error);
  return { state: closed, events: [event] };
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

/**
 * `oauth_consent_request` is not in the OpenAI types; Foundry sends `consent_link`. A link that
 * is not https is never handed to the browser (it would open it in a popup): the run fails.
 * The link itself never appears in an error message (it may carry secrets).
 */
function consentRequested(state: NormalizerState, id: string, item: Obj): Step {
  const raw = nonEmpty(item.consent_link) ?? nonEmpty(item.consentLink);
  const link = raw ? httpsUrl(raw) : undefined;
  const marked = markFinished(state, id);
  if (!raw) {
    return failRun(marked, {
      code: "consent_link_missing",
      message: "The agent asked for sign-in consent without a consent link.",
    });
  }
  if (!link) {
    return failRun(marked, {
      code: "consent_link_not_https",
      message:
        "The agent asked for sign-in consent with a link that is not a secure https link, so it was not opened.",
    });
  }
  const next = { ...marked, pendingConsentIds: [...state.pendingConsentIds, id] };
  const serverLabel = nonEmpty(item.server_label);
  return {
    state: next,
    events: [
      draft(
        "consent.requested",
        serverLabel ? { consentId: id, serverLabel, link } : { consentId: id, link },
      ),
    ],
  };
}

function httpsUrl(raw: string): string | undefined {
  try {
    const url = new URL(raw);
    return url.protocol === "https:" && url.hostname ? raw : undefined;
  } catch {
    return undefined;
  }
}

import { draft, type ChatEventDraft } from "@/lib/chat/events";
import { checkConsentLink } from "./consent-links";
import { isObj, nonEmpty, num, str, type Obj } from "./read";
import { failRun } from "./run-end";
import { markFinished, unchanged, withoutOpenCall, type NormalizerState, type Step } from "./state";
import { failedDraft } from "./tools";

/**
 * Every way the agent service says "the user has to sign in first" becomes one
 * `consent.requested { consentId, serverLabel?, link }` and the run pauses (`awaiting: "consent"`):
 *
 * - an `oauth_consent_request` item (`consent_link`, `server_label`);
 * - the `response.oauth_consent_requested` event (the same fields at the top level, `id` / `item_id`);
 * - a Foundry toolbox MCP endpoint's JSON-RPC error -32006 / -32007 on an `mcp_call` or
 *   `mcp_list_tools` item, whose message carries the consent URL.
 *
 * The link must pass the state's consent-link policy (consent-links.ts). A refused link fails the
 * run; its message never contains the link (it may carry secrets, and it is not to be trusted).
 */

const REFUSED: Record<string, string> = {
  consent_link_missing: "The agent asked for sign-in consent without a consent link.",
  consent_link_not_https:
    "The agent asked for sign-in consent with a link that is not a secure https link, so it was not opened.",
  consent_link_not_allowed:
    "The agent asked you to sign in on a site this app does not trust, so the sign-in link was not opened.",
};

/** What a tool reports while it waits for sign-in, on its card. */
export const SIGN_IN_NEEDED = "Sign-in is needed before this tool can run.";

/** Toolbox MCP endpoints report "consent required" with these JSON-RPC error codes. */
const CONSENT_ERROR_CODES = new Set([-32006, -32007]);

/** An `oauth_consent_request` item (or the fields of the event form). */
export function consentRequested(state: NormalizerState, id: string, item: Obj): Step {
  const raw = nonEmpty(item.consent_link) ?? nonEmpty(item.consentLink);
  return requestConsent(markFinished(state, id), id, raw, nonEmpty(item.server_label));
}

/** `response.oauth_consent_requested`: its item may follow (same id), which then adds nothing. */
export function consentEvent(state: NormalizerState, event: Obj): Step {
  if (isObj(event.item) && event.item.type === "oauth_consent_request") {
    const id = nonEmpty(event.item.id);
    return id && !state.finishedItemIds[id]
      ? consentRequested(state, id, event.item)
      : unchanged(state);
  }
  const id = nonEmpty(event.item_id) ?? nonEmpty(event.id);
  if (!id || state.finishedItemIds[id]) return unchanged(state);
  return consentRequested(state, id, event);
}

/**
 * The consent URL of a toolbox "consent required" error on an MCP item, or `{ link: undefined }`
 * when the error says so without a readable URL; null when the item is not such an error.
 */
export function toolboxConsentOf(item: Obj): { link: string | undefined } | null {
  if (item.type !== "mcp_call" && item.type !== "mcp_list_tools") return null;
  const error = item.error;
  let code: number | undefined;
  let message: string | undefined;
  if (isObj(error)) {
    code = num(error.code) ?? (typeof error.code === "string" ? Number(error.code) : undefined);
    message = str(error.message);
  } else if (typeof error === "string") {
    const found = /(?:^|[^\d-])(-3200[67])(?!\d)/.exec(error);
    code = found ? Number(found[1]) : undefined;
    message = error;
  }
  if (code === undefined || !CONSENT_ERROR_CODES.has(code)) return null;
  return { link: message ? consentUrlIn(message) : undefined };
}

/**
 * Toolbox messages read `tools/list failed for 1 tool source(s) … {"errors":[{"name":…,"type":"mcp",
 * "error":{"code":"CONSENT_REQUIRED","message":"<consent URL>"}}]}`; a plain message may just
 * contain the URL.
 */
function consentUrlIn(message: string): string | undefined {
  const start = message.indexOf("{");
  if (start >= 0) {
    try {
      const details: unknown = JSON.parse(message.slice(start));
      const errors = isObj(details) && Array.isArray(details.errors) ? details.errors : [];
      for (const entry of errors) {
        const inner = isObj(entry) && isObj(entry.error) ? entry.error : undefined;
        if (inner?.code === "CONSENT_REQUIRED" && nonEmpty(inner.message))
          return str(inner.message);
      }
    } catch {
      // Not JSON after all: look for a URL in the text.
    }
  }
  return /https?:\/\/[^\s"'<>\\]+/.exec(message)?.[0];
}

/** An MCP item failed because the user has to sign in: its card says so, and consent is asked. */
export function toolboxConsentRequested(
  state: NormalizerState,
  id: string,
  item: Obj,
  consent: { link: string | undefined },
): Step {
  const open = state.openToolCalls[id];
  const closed = markFinished(open ? withoutOpenCall(state, id) : state, id);
  const serverLabel = nonEmpty(item.server_label) ?? open?.serverLabel;
  const asked = requestConsent(closed, id, consent.link, serverLabel);
  const failedCall: ChatEventDraft[] = open ? [failedDraft(open, SIGN_IN_NEEDED)] : [];
  return { state: asked.state, events: [...failedCall, ...asked.events] };
}

function requestConsent(
  state: NormalizerState,
  id: string,
  raw: string | undefined,
  serverLabel: string | undefined,
): Step {
  const verdict = checkConsentLink(raw, state.consentLinks);
  if (!verdict.ok)
    return failRun(state, { code: verdict.code, message: REFUSED[verdict.code]! }, false);
  const next = { ...state, pendingConsentIds: [...state.pendingConsentIds, id] };
  const data = serverLabel
    ? { consentId: id, serverLabel, link: verdict.link }
    : { consentId: id, link: verdict.link };
  return { state: next, events: [draft("consent.requested", data)] };
}

/**
 * A response that ended `incomplete` or `failed` after asking for consent (hosted agents end
 * `incomplete` with an `oauth_consent_request`): the run waits for the user instead of failing.
 * Calls still open cannot finish without the sign-in.
 */
export function pauseForConsent(state: NormalizerState): Step | null {
  if (state.ended || state.pendingConsentIds.length === 0) return null;
  const events = Object.values(state.openToolCalls).map((info) =>
    failedDraft(info, SIGN_IN_NEEDED),
  );
  return { state: { ...state, openToolCalls: {}, ended: true, awaiting: "consent" }, events };
}

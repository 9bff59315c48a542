import { provenance, type AgentRef, type Json } from "../shapes";
import type { ListedTool } from "../tools/client";

/**
 * The MCP output items, keys in Foundry's order (type, id, provenance, then the item's own
 * fields), as in recorded Foundry and OpenAI MCP streams. Pure.
 */
interface Origin {
  agent: AgentRef;
  responseId: string;
}

export function listToolsItem(
  o: Origin,
  a: { id: string; serverLabel: string; tools: ListedTool[]; error?: string },
): Json {
  return {
    type: "mcp_list_tools",
    id: a.id,
    ...provenance(o.agent, o.responseId),
    server_label: a.serverLabel,
    tools: a.tools,
    ...(a.error !== undefined ? { error: a.error } : {}),
  };
}

/** No status, complete arguments already when added (there are no approval events). */
export function approvalRequestItem(
  o: Origin,
  a: { id: string; serverLabel: string; name: string; arguments: string },
): Json {
  return {
    type: "mcp_approval_request",
    id: a.id,
    ...provenance(o.agent, o.responseId),
    server_label: a.serverLabel,
    name: a.name,
    arguments: a.arguments,
  };
}

/**
 * Foundry's mcp_call: "calling" with empty arguments when added; "completed" with `output` or
 * "failed" with `error` when done (Foundry omits `error` on success and `output` at added).
 */
export function mcpCallItem(
  o: Origin,
  a: {
    id: string;
    serverLabel: string;
    name: string;
    arguments: string;
    approvalRequestId: string | null;
    outcome:
      | { status: "calling" }
      | { status: "completed"; output: string }
      | { status: "failed"; error: string };
  },
): Json {
  const { outcome } = a;
  return {
    type: "mcp_call",
    id: a.id,
    ...provenance(o.agent, o.responseId),
    status: outcome.status,
    approval_request_id: a.approvalRequestId,
    server_label: a.serverLabel,
    name: a.name,
    arguments: outcome.status === "calling" ? "" : a.arguments,
    ...(outcome.status === "completed" ? { output: outcome.output } : {}),
    ...(outcome.status === "failed" ? { error: outcome.error } : {}),
  };
}

/**
 * Foundry's `oauth_consent_request`: the user must consent (open `consent_link`) before the
 * server's tools can be used for them. Added and done at once, no status, no other events.
 */
export function oauthConsentItem(
  o: Origin,
  a: { id: string; link: string; serverLabel: string },
): Json {
  return {
    type: "oauth_consent_request",
    id: a.id,
    consent_link: a.link,
    server_label: a.serverLabel,
    ...provenance(o.agent, o.responseId),
  };
}

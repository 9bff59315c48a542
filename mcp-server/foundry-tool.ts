import { getConfig } from "@/lib/config";
import type { Principal } from "@/lib/identity/principal";
import { catalogTools } from "./catalog";
import type { ToolDefinition } from "./catalog/types";
import { allowlistedTools, approvalFor, POLICY, visibleTools, type Policy } from "./policy";

/** The MCP tool of a Foundry agent definition (Responses/Agents API `tools[]` entry). */
export interface FoundryMcpTool {
  type: "mcp";
  server_label: string;
  server_url: string;
  server_description?: string;
  allowed_tools: string[];
  require_approval: { never?: { tool_names: string[] }; always?: { tool_names: string[] } };
  /** The Foundry project connection that holds the credential (key, or Entra) for our server. */
  project_connection_id?: string;
}

export interface FoundryToolOptions {
  serverLabel?: string;
  serverUrl?: string;
  projectConnectionId?: string;
  /** Limit the tools to what this caller may use (e.g. the app principal of an access key). */
  principal?: Principal;
  tools?: readonly ToolDefinition[];
  policy?: Policy;
}

/**
 * Generates the agent's MCP tool from the policy: `allowed_tools` is the allowlist (or what one
 * principal may call), `require_approval` lists every tool explicitly by the policy's approval
 * (an empty side is left out). Foundry then asks before exactly the calls our policy says need it.
 */
export function foundryMcpTool(opts: FoundryToolOptions = {}): FoundryMcpTool {
  const policy = opts.policy ?? POLICY;
  const all = opts.tools ?? catalogTools();
  const tools = opts.principal
    ? visibleTools(opts.principal, all, policy)
    : allowlistedTools(all, policy);
  const never = tools.filter((t) => approvalFor(t, policy) === "never").map((t) => t.name);
  const always = tools.filter((t) => approvalFor(t, policy) === "always").map((t) => t.name);
  return {
    type: "mcp",
    server_label: opts.serverLabel ?? getConfig().mcp.serverLabel,
    server_url: opts.serverUrl ?? getConfig().mcp.resourceUrl,
    server_description:
      "Governed business tools: messaging, e-mail, web search, Microsoft 365 tasks.",
    allowed_tools: tools.map((t) => t.name),
    require_approval: {
      ...(never.length ? { never: { tool_names: never } } : {}),
      ...(always.length ? { always: { tool_names: always } } : {}),
    },
    ...(opts.projectConnectionId ? { project_connection_id: opts.projectConnectionId } : {}),
  };
}

import { catalogTools } from "@/mcp-server/catalog";
import type { ToolDefinition } from "@/mcp-server/catalog/types";
import { foundryMcpTool, type FoundryMcpTool } from "@/mcp-server/foundry-tool";
import { allowlistedTools, POLICY, type Policy } from "@/mcp-server/policy";
import type { AgentSpec } from "./spec";

/** The parts of an agent version that provisioning owns (and that `diff` compares). */
export interface DesiredVersion {
  name: string;
  description?: string;
  definition: {
    kind: "prompt";
    model: string;
    instructions: string;
    tools: FoundryMcpTool[];
  };
}

export interface BuildContext {
  /** Our MCP server as Foundry reaches it (the spec's `serverUrl` wins). */
  serverUrl: string;
  serverLabel: string;
  /** `project_connection_id` as the target service wants it (a name locally, an id on Foundry). */
  projectConnectionId?: string;
  /** Overrides of the spec's model (e.g. another deployment name per environment). */
  model?: string;
  policy?: Policy;
  catalog?: readonly ToolDefinition[];
}

/**
 * The agent version an agent file describes: its prompt, and one `mcp` tool generated from the
 * policy by the same generator the local service's seeded agents use. Pure.
 */
export function buildAgentVersion(spec: AgentSpec, ctx: BuildContext): DesiredVersion {
  const policy = ctx.policy ?? POLICY;
  const catalog = ctx.catalog ?? catalogTools();
  const tools = spec.tools ? pickTools(spec.tools, catalog, policy) : undefined;
  return {
    name: spec.name,
    ...(spec.description ? { description: spec.description } : {}),
    definition: {
      kind: "prompt",
      model: ctx.model ?? spec.model,
      instructions: spec.instructions,
      tools: [
        foundryMcpTool({
          policy,
          tools: tools ?? catalog,
          serverUrl: spec.serverUrl ?? ctx.serverUrl,
          serverLabel: ctx.serverLabel,
          projectConnectionId: ctx.projectConnectionId,
        }),
      ],
    },
  };
}

/** The named tools; a name the catalog lacks or the policy does not allow is an error, not a skip. */
function pickTools(
  names: readonly string[],
  catalog: readonly ToolDefinition[],
  policy: Policy,
): ToolDefinition[] {
  const allowed = new Map(allowlistedTools(catalog, policy).map((t) => [t.name, t]));
  const unknown = names.filter((n) => !allowed.has(n));
  if (unknown.length > 0) {
    throw new Error(
      `The agent asks for tools the MCP server's policy does not allow (or that do not exist): ${unknown.join(", ")}.`,
    );
  }
  return [...new Set(names)].map((n) => allowed.get(n)!);
}

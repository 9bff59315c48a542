import { parse as parseYaml } from "yaml";
import { z } from "zod";

/** Foundry's rule for agent names: letters, digits and inner hyphens, at most 63 characters. */
const AGENT_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * What an operator writes to describe one agent (a YAML or JSON file). The `mcp` tool is not
 * written here: it is generated from the MCP server's policy, so an agent can never be given a
 * tool the policy does not allow, nor skip an approval the policy asks for.
 */
export const agentSpecSchema = z.strictObject({
  name: z
    .string()
    .regex(AGENT_NAME, "Use letters, digits and inner hyphens, at most 63 characters."),
  description: z.string().max(512).optional(),
  /** The model deployment name in the Foundry project (the local service answers with its own model). */
  model: z.string().min(1).max(256),
  instructions: z.string().min(1).max(256_000),
  /**
   * The project connection that holds the credential for our MCP server (an OAuth identity
   * passthrough or a key connection): its name, or its full resource id.
   */
  connection: z.string().min(1).max(1024).optional(),
  /** Restrict the agent to these tools (each must be allowed by the policy); default: all allowed. */
  tools: z.array(z.string().min(1).max(128)).min(1).max(500).optional(),
  /** Where Foundry reaches our MCP server; default `<APP_URL>/api/mcp`. */
  serverUrl: z.url({ protocol: /^https?$/ }).optional(),
});

export type AgentSpec = z.infer<typeof agentSpecSchema>;

/** Parses an agent file (YAML, of which JSON is a subset); the error names the file and the field. */
export function parseAgentSpec(text: string, source: string): AgentSpec {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new Error(`${source} is not valid YAML or JSON: ${(err as Error).message}`);
  }
  const parsed = agentSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".") || "(file)"}: ${i.message}`);
    throw new Error(`${source} is not a valid agent definition:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

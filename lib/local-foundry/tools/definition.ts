import { z } from "zod";

/**
 * Foundry's `mcp` agent tool, validated when an agent version is created. Field names and the
 * `require_approval` forms are Foundry's (an approval object with other keys is refused: an
 * ignored rule would run writes without asking). Other keys Foundry knows (`authorization`,
 * `connector_id`, …) are kept as given, as everywhere in this service.
 */
const toolNames = z.looseObject({ tool_names: z.array(z.string().min(1).max(128)).max(500) });

export const requireApprovalSchema = z.union([
  z.enum(["always", "never"]),
  z.strictObject({ always: toolNames.optional(), never: toolNames.optional() }),
]);

export const mcpToolSchema = z.looseObject({
  type: z.literal("mcp"),
  server_label: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "Use letters, digits, '_' or '-'."),
  server_url: z.url({ protocol: /^https?$/ }).max(2048),
  server_description: z.string().max(1024).nullable().optional(),
  allowed_tools: z.array(z.string().min(1).max(128)).max(500).nullable().optional(),
  require_approval: requireApprovalSchema.nullable().optional(),
  headers: z.record(z.string().min(1).max(256), z.string().max(8192)).nullable().optional(),
  project_connection_id: z.string().max(1024).nullable().optional(),
});
export type McpTool = z.infer<typeof mcpToolSchema>;

/** Agent tools: `mcp` is validated in full; other Foundry tool types are stored as given (not run here). */
export const agentToolSchema = z
  .looseObject({ type: z.string().min(1) })
  .superRefine((value, ctx) => {
    if (value.type !== "mcp") return;
    const parsed = mcpToolSchema.safeParse(value);
    if (parsed.success) return;
    for (const issue of parsed.error.issues) {
      ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
    }
  });

/** The agent's `mcp` tools (definitions were validated on the way in; anything else is skipped). */
export function mcpToolsOf(tools: unknown[] | undefined): McpTool[] {
  return (tools ?? []).flatMap((t) => {
    const parsed = mcpToolSchema.safeParse(t);
    return parsed.success ? [parsed.data] : [];
  });
}

/**
 * Whether a call of `name` needs the user's approval. Foundry's default when `require_approval` is
 * absent is "always"; in the `{ always, never }` form a tool named in neither list also needs
 * approval — the safe default (a new write tool on the server is never run unasked).
 */
export function needsApproval(tool: McpTool, name: string): boolean {
  const rule = tool.require_approval;
  if (rule === "never") return false;
  if (rule === "always" || rule === null || rule === undefined) return true;
  if (rule.always?.tool_names.includes(name)) return true;
  return !rule.never?.tool_names.includes(name);
}

/** `allowed_tools` filter (absent or null: every tool the server lists). */
export function isAllowed(tool: McpTool, name: string): boolean {
  return !tool.allowed_tools || tool.allowed_tools.includes(name);
}

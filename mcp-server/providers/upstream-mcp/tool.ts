import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import type { UpstreamMcpConfig } from "@/lib/tool-backends";
import { describeIssues } from "@/mcp-server/catalog/tools/define";
import { ToolError, type ToolDefinition } from "@/mcp-server/catalog/types";
import { callUpstreamTool } from "./call";
import { federatedName } from "./names";
import { outputOf } from "./result";
import { annotationsOf, riskOf } from "./risk";
import { inputSchemaOf, outputSchemaOf } from "./schema";

/** A catalog tool backed by an upstream MCP server's tool. */
export interface UpstreamToolDefinition extends ToolDefinition {
  upstream: { source: string; name: string };
}

export type Federated =
  { ok: true; tool: UpstreamToolDefinition; warnings: string[] } | { ok: false; reason: string };

/**
 * Our catalog entry for one allowlisted upstream tool, or why it is left out: a name that does
 * not fit, an input schema that is not plain, a tool that can only run as a task.
 */
export function federatedTool(
  source: string,
  config: UpstreamMcpConfig,
  upstream: Tool,
): Federated {
  const named = federatedName(config.id, upstream.name);
  if (!named.ok) return { ok: false, reason: named.reason };
  if (upstream.execution?.taskSupport === "required")
    return { ok: false, reason: "it only runs as a task (tasks are not supported)" };
  const input = inputSchemaOf(upstream.inputSchema);
  if (!input.ok) return { ok: false, reason: `its input schema is not plain (${input.reason})` };

  const warnings: string[] = [];
  let outputSchema: z.ZodObject | undefined;
  if (upstream.outputSchema) {
    const output = outputSchemaOf(upstream.outputSchema);
    if (output.ok) outputSchema = output.schema;
    else
      warnings.push(`its output schema is not plain (${output.reason}); results are sent as text`);
  }
  const annotations = annotationsOf(upstream.annotations);
  const { risk, raised, loweringIgnored } = riskOf(annotations, config.risks[upstream.name]);
  if (loweringIgnored)
    warnings.push(`risks.${upstream.name} would lower its risk below "${risk}"; ignored`);

  const inputSchema = input.schema;
  const title = upstream.title ?? upstream.annotations?.title ?? upstream.name;
  const tool: UpstreamToolDefinition = {
    name: named.name,
    title,
    description: upstream.description?.trim() || `${title} (tool of the ${config.id} MCP server).`,
    risk,
    annotations,
    provider: source,
    inputSchema,
    outputSchema,
    resilience: {
      ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
      // Raising a tool's risk says its hints are not trusted: it is never repeated within a call.
      ...(raised
        ? { retries: 0 }
        : config.retries !== undefined
          ? { retries: config.retries }
          : {}),
    },
    upstream: { source, name: upstream.name },
    async run(args, ctx) {
      const parsed = inputSchema.safeParse(args);
      if (!parsed.success)
        throw new ToolError("invalid_arguments", describeIssues(parsed.error.issues));
      const result = await callUpstreamTool(
        source,
        config,
        upstream.name,
        parsed.data as Record<string, unknown>,
        ctx,
      );
      return outputOf(source, upstream.name, result, outputSchema);
    },
  };
  return { ok: true, tool, warnings };
}

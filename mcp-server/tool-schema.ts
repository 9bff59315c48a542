import { z } from "zod";
import type { ToolDefinition } from "./catalog/types";

export type JsonSchema = Record<string, unknown>;

const inputCache = new WeakMap<ToolDefinition, JsonSchema>();
const outputCache = new WeakMap<ToolDefinition, JsonSchema | undefined>();

/**
 * A tool's arguments as plain JSON Schema (what tools/list, /api/tools and Foundry see). `io:
 * "input"` describes what a caller may send (optional fields optional, defaults not required);
 * `$schema` is dropped because clients validate with their own draft (2020-12 is MCP's default).
 */
export function inputJsonSchema(tool: ToolDefinition): JsonSchema {
  let schema = inputCache.get(tool);
  if (!schema) {
    schema = toJsonSchema(tool.inputSchema, "input");
    inputCache.set(tool, schema);
  }
  return schema;
}

/** The shape of `structuredContent` on success, when the tool declares one. */
export function outputJsonSchema(tool: ToolDefinition): JsonSchema | undefined {
  if (!outputCache.has(tool))
    outputCache.set(
      tool,
      tool.outputSchema ? toJsonSchema(tool.outputSchema, "output") : undefined,
    );
  return outputCache.get(tool);
}

function toJsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const json = z.toJSONSchema(schema, { io, target: "draft-2020-12" }) as JsonSchema;
  delete json.$schema;
  return json;
}

/**
 * What Foundry (and several model providers) refuse in tool parameters: combinators and
 * multi-type properties. Returns the JSON pointers of every offending place; empty means plain.
 */
export function nonPlainSchemaParts(schema: unknown, pointer = ""): string[] {
  if (Array.isArray(schema))
    return schema.flatMap((s, i) => nonPlainSchemaParts(s, `${pointer}/${i}`));
  if (!schema || typeof schema !== "object") return [];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(schema)) {
    const here = `${pointer}/${key}`;
    if (key === "anyOf" || key === "allOf" || key === "oneOf") problems.push(here);
    else if (key === "type" && Array.isArray(value)) problems.push(here);
    problems.push(...nonPlainSchemaParts(value, here));
  }
  return problems;
}

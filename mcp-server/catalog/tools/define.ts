import type { z } from "zod";
import {
  ToolError,
  type Risk,
  type ToolAnnotations,
  type ToolContext,
  type ToolDefinition,
} from "../types";

/**
 * Annotation presets; each tool picks the one that is true of it (MCP 2025-11-25 semantics:
 * destructiveHint = may overwrite or delete, not merely add; openWorldHint = reaches people or
 * content outside the user's own data).
 */
export const annotations = {
  read: (openWorld: boolean): ToolAnnotations => ({
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: openWorld,
  }),
  /** Adds something new (a message, a draft, a task); a second call adds another. */
  additive: (openWorld: boolean): ToolAnnotations => ({
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: openWorld,
  }),
  /** Overwrites existing state; repeating the same call leaves the same state. */
  overwrite: (openWorld: boolean): ToolAnnotations => ({
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: openWorld,
  }),
  delete: (openWorld: boolean): ToolAnnotations => ({
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: openWorld,
  }),
};

export interface ToolSpec<I extends z.ZodObject, O extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  risk: Risk;
  annotations: ToolAnnotations;
  provider: string;
  inputSchema: I;
  outputSchema: O;
  run(input: z.output<I>, ctx: ToolContext): Promise<z.input<O>>;
}

/**
 * Builds a ToolDefinition whose `run` validates its own input: it may be called directly (tests,
 * other servers) and must then refuse what the schema refuses, as `invalid_arguments`.
 */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(
  spec: ToolSpec<I, O>,
): ToolDefinition<I, O> {
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    risk: spec.risk,
    annotations: spec.annotations,
    provider: spec.provider,
    inputSchema: spec.inputSchema,
    outputSchema: spec.outputSchema,
    async run(input, ctx) {
      const parsed = spec.inputSchema.safeParse(input);
      if (!parsed.success)
        throw new ToolError("invalid_arguments", describeIssues(parsed.error.issues));
      const out = await spec.run(parsed.data, ctx);
      return spec.outputSchema.parse(out) as Awaited<ReturnType<ToolDefinition<I, O>["run"]>>;
    },
  };
}

/** One readable sentence per issue, naming the argument, e.g. "to: Invalid string: must match pattern …". */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 10)
    .map((i) => `${i.path.length ? i.path.join(".") : "arguments"}: ${i.message}`)
    .join("; ");
}

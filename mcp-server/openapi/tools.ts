import type { z } from "zod";
import { describeIssues } from "@/mcp-server/catalog/tools/define";
import { ToolError, type ToolDefinition } from "@/mcp-server/catalog/types";
import { callProvider } from "@/mcp-server/providers/call";
import { executeOperation, type Transport } from "./executor";
import type { GeneratedApi, GeneratedOperation, HttpMethod } from "./generate";
import { plainObjectToZod } from "./plain-schema-zod";

/**
 * A tool generated from an OpenAPI operation. Besides `risk` (already `privileged` for deletes
 * and payments), it carries the HTTP method and a `privileged` hint so the policy can apply its
 * own rules per method.
 */
export interface OpenApiToolDefinition extends ToolDefinition {
  openapi: { operationId: string; method: HttpMethod; path: string; privileged: boolean };
}

export function isOpenApiTool(t: ToolDefinition): t is OpenApiToolDefinition {
  return "openapi" in t;
}

export function toolFromOperation(
  op: GeneratedOperation,
  api: GeneratedApi,
  provider: string,
  transport: Transport,
): OpenApiToolDefinition {
  const inputSchema = plainObjectToZod(op.inputSchema, true);
  const outputSchema = op.outputSchema ? plainObjectToZod(op.outputSchema, false) : undefined;
  return {
    name: op.toolName,
    title: op.title,
    description: `${op.description} (${api.title}: ${op.method.toUpperCase()} ${op.path})`,
    risk: op.risk,
    annotations: op.annotations,
    provider,
    inputSchema,
    outputSchema,
    openapi: {
      operationId: op.operationId,
      method: op.method,
      path: op.path,
      privileged: op.privileged,
    },
    async run(input, ctx) {
      const parsed = inputSchema.safeParse(input);
      if (!parsed.success)
        throw new ToolError("invalid_arguments", describeIssues(parsed.error.issues));
      const result = await callProvider(ctx, provider, (session) =>
        executeOperation(
          op,
          api.baseUrl,
          parsed.data as Record<string, unknown>,
          session,
          transport,
        ),
      );
      if (!outputSchema) return result;
      const out = outputSchema.safeParse(result);
      if (!out.success)
        throw new ToolError(
          "provider_error",
          `${op.operationId} answered with an unexpected shape.`,
        );
      return out.data as z.infer<z.ZodObject>;
    },
  };
}

export function toolsFromApi(
  api: GeneratedApi,
  provider: string,
  transport: Transport,
): OpenApiToolDefinition[] {
  return api.operations.map((op) => toolFromOperation(op, api, provider, transport));
}

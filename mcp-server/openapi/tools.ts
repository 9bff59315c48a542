import type { z } from "zod";
import { describeIssues } from "@/mcp-server/catalog/tools/define";
import { ToolError, type ToolContext, type ToolDefinition } from "@/mcp-server/catalog/types";
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

/**
 * Where a generated tool's calls go and with which credentials: the only things that differ
 * between the in-process sandbox dealer API and a configured real backend.
 */
export interface OpenApiBackend {
  /** The tools' provider id (`openapi:<id>`): connections, breaker and audit go by it. */
  provider: string;
  baseUrl: string;
  transport: Transport;
  /**
   * Runs one call with this backend's auth headers; when the API refuses them
   * (ProviderAuthError) it renews them and calls once more, as the backend's credentials allow.
   */
  authorize<T>(
    ctx: ToolContext,
    attempt: (headers: Record<string, string>) => Promise<T>,
  ): Promise<T>;
  resilience?: ToolDefinition["resilience"];
}

export function toolFromOperation(
  op: GeneratedOperation,
  api: GeneratedApi,
  backend: OpenApiBackend,
): OpenApiToolDefinition {
  const inputSchema = plainObjectToZod(op.inputSchema, true);
  const outputSchema = op.outputSchema ? plainObjectToZod(op.outputSchema, false) : undefined;
  return {
    name: op.toolName,
    title: op.title,
    description: `${op.description} (${api.title}: ${op.method.toUpperCase()} ${op.path})`,
    risk: op.risk,
    annotations: op.annotations,
    provider: backend.provider,
    inputSchema,
    outputSchema,
    ...(backend.resilience ? { resilience: backend.resilience } : {}),
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
      const args = parsed.data as Record<string, unknown>;
      const { baseUrl, transport } = backend;
      const result = await backend.authorize(ctx, (headers) =>
        executeOperation(op, args, { baseUrl, transport, headers, signal: ctx.signal }),
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

export function toolsFromApi(api: GeneratedApi, backend: OpenApiBackend): OpenApiToolDefinition[] {
  return api.operations.map((op) => toolFromOperation(op, api, backend));
}

import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { ToolError, type ToolDefinition } from "./catalog/types";

/** What a tool may report, plus what only the server's own pipeline says (the approval ledger). */
export type CallErrorCode = ToolError["code"] | "approval_required";

/** The JSON text of every expected failure (DESIGN §5), so models and clients can act on it. */
export interface CallErrorBody {
  code: CallErrorCode;
  message: string;
  correlation_id: string;
  retriable: boolean;
  retry_after_seconds?: number;
  connect_url?: string;
  provider?: string;
  /** approval_required: the pending approval a person must decide, and where to open it. */
  approval_id?: string;
  approval_url?: string;
}

/** Whether trying the same call again later can help, when the thrower did not say. */
const RETRIABLE_BY_DEFAULT: Record<CallErrorCode, boolean> = {
  invalid_arguments: false,
  not_found: false,
  auth_required: true,
  session_expired: true,
  rate_limited: true,
  timeout: true,
  provider_error: true,
  forbidden: false,
  conflict: false,
  approval_required: true,
};

export function errorBody(
  code: CallErrorCode,
  message: string,
  correlationId: string,
  extra: {
    retriable?: boolean;
    retryAfterSeconds?: number;
    connectUrl?: string;
    provider?: string;
    approvalId?: string;
    approvalUrl?: string;
  } = {},
): CallErrorBody {
  return {
    code,
    message,
    correlation_id: correlationId,
    retriable: extra.retriable ?? RETRIABLE_BY_DEFAULT[code],
    ...(extra.retryAfterSeconds !== undefined
      ? { retry_after_seconds: extra.retryAfterSeconds }
      : {}),
    ...(extra.connectUrl ? { connect_url: extra.connectUrl } : {}),
    ...(extra.provider ? { provider: extra.provider } : {}),
    ...(extra.approvalId ? { approval_id: extra.approvalId } : {}),
    ...(extra.approvalUrl ? { approval_url: extra.approvalUrl } : {}),
  };
}

export function errorResult(body: CallErrorBody): CallToolResult {
  return { isError: true, content: [{ type: "text", text: JSON.stringify(body) }] };
}

export function toolErrorBody(err: ToolError, correlationId: string): CallErrorBody {
  return errorBody(err.code, err.message, correlationId, err.details);
}

/** Success: the output as JSON text (for clients that read text) and as `structuredContent`. */
export function successResult(tool: ToolDefinition, output: unknown): CallToolResult {
  const text = typeof output === "string" ? output : JSON.stringify(output ?? null);
  const result: CallToolResult = { content: [{ type: "text", text }] };
  if (tool.outputSchema) result.structuredContent = output as Record<string, unknown>;
  return result;
}

/** Outcomes a metric may carry: every error code, and what the pipeline itself reports. */
const METRIC_OUTCOMES = new Set<string>([
  ...Object.keys(RETRIABLE_BY_DEFAULT),
  "ok",
  "error",
  "replayed",
  "unknown_tool",
]);

/** An outcome as a metric label: one of a closed set ("error" for anything else). */
export function metricOutcome(outcome: string): string {
  return METRIC_OUTCOMES.has(outcome) ? outcome : "error";
}

/** The error code of an isError result we produced (for audit outcomes); "ok" otherwise. */
export function outcomeOf(result: CallToolResult): string {
  if (!result.isError) return "ok";
  const first = result.content[0];
  if (first?.type !== "text") return "error";
  try {
    const code = (JSON.parse(first.text) as { code?: unknown }).code;
    return typeof code === "string" ? code : "error";
  } catch {
    return "error";
  }
}

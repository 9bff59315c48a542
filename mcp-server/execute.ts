import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { SpanKind } from "@opentelemetry/api";
import { BrokenCircuitError, TaskCancelledError } from "cockatiel";
import type { Principal } from "@/lib/identity/principal";
import { logger } from "@/lib/log";
import { inSpan } from "@/lib/telemetry/tracing";
import { ToolError, type ToolDefinition } from "./catalog/types";
import { BREAKER_HALF_OPEN_AFTER_MS, runResilient, safeToRetry } from "./resilience";
import { errorBody, errorResult, successResult, toolErrorBody } from "./results";

export interface Execution {
  result: CallToolResult;
  /** True when the failure proves the provider was never asked (so a retry cannot duplicate). */
  sentNothing: boolean;
}

/** Codes whose ToolError means the tool refused before acting. */
const REFUSED_BEFORE_ACTING = new Set<ToolError["code"]>([
  "invalid_arguments",
  "not_found",
  "auth_required",
  "session_expired",
  "forbidden",
  "conflict",
  "rate_limited",
]);

/** Runs the tool with timeout, retry and circuit breaker, and turns every outcome into a result. */
export async function executeTool(
  tool: ToolDefinition,
  input: unknown,
  ctx: { principal: Principal; correlationId: string; timeoutMs: number },
): Promise<Execution> {
  try {
    // One CLIENT span per attempt at the provider (retries show as siblings).
    const span = {
      kind: SpanKind.CLIENT,
      attributes: { "fac.provider": tool.provider, "gen_ai.tool.name": tool.name },
    };
    const output = await runResilient(
      tool,
      (signal) =>
        inSpan(`provider ${tool.provider}`, span, () =>
          tool.run(input as never, {
            principal: ctx.principal,
            correlationId: ctx.correlationId,
            signal,
          }),
        ),
      { timeoutMs: ctx.timeoutMs },
    );
    return { result: successResult(tool, output), sentNothing: false };
  } catch (err) {
    return failure(tool, err, ctx.correlationId);
  }
}

function failure(tool: ToolDefinition, err: unknown, correlationId: string): Execution {
  if (err instanceof ToolError) {
    return {
      result: errorResult(toolErrorBody(err, correlationId)),
      sentNothing: REFUSED_BEFORE_ACTING.has(err.code),
    };
  }
  if (err instanceof BrokenCircuitError) {
    const body = errorBody(
      "provider_error",
      `The ${tool.provider} provider is failing; calls to it are paused.`,
      correlationId,
      {
        retriable: true,
        retryAfterSeconds: Math.ceil(BREAKER_HALF_OPEN_AFTER_MS / 1000),
        provider: tool.provider,
      },
    );
    return { result: errorResult(body), sentNothing: true };
  }
  if (err instanceof TaskCancelledError) {
    // A write that timed out may still have happened; only a safe-to-repeat tool says "retry".
    const safe = safeToRetry(tool);
    const message = safe
      ? "The tool did not answer in time."
      : "The tool did not answer in time; the action may still have happened. Check before trying again.";
    return {
      result: errorResult(errorBody("timeout", message, correlationId, { retriable: safe })),
      sentNothing: false,
    };
  }
  logger().error({ err, tool: tool.name, correlationId }, "tool failed unexpectedly");
  const body = errorBody("provider_error", "The tool failed unexpectedly.", correlationId, {
    retriable: false,
    provider: tool.provider,
  });
  return { result: errorResult(body), sentNothing: false };
}

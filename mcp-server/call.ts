import { ErrorCode, McpError, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { appendAudit, argumentHash } from "@/lib/audit";
import type { Principal } from "@/lib/identity/principal";
import type { RateLimiter } from "@/lib/limits/rate-limit";
import { logger } from "@/lib/log";
import { describeIssues } from "./catalog/tools/define";
import type { ToolDefinition } from "./catalog/types";
import { executeTool } from "./execute";
import { claimIdempotencyKey, idempotencyKeyOf } from "./idempotency";
import { decide, effectiveRisk, isAllowlisted, type Policy } from "./policy";
import { errorBody, errorResult, outcomeOf } from "./results";

export interface CallDeps {
  tools: readonly ToolDefinition[];
  policy: Policy;
  limiter: RateLimiter;
  timeoutMs: number;
}

export interface CallRequest {
  name: string;
  arguments: Record<string, unknown> | undefined;
  meta: Record<string, unknown> | undefined;
  headers: Record<string, string | string[] | undefined>;
}

export interface CallContext {
  principal: Principal;
  correlationId: string;
}

/** After this long an in-progress idempotency claim counts as abandoned (its outcome unknown). */
const staleAfter = (timeoutMs: number) => timeoutMs * 2 + 60_000;

/**
 * One governed tools/call: policy → rate limit → argument validation → idempotency (write and
 * privileged tools) → the tool under timeout/retry/circuit breaker → audit → result. Expected
 * failures are isError results; an unknown tool is a JSON-RPC error (MCP 2025-11-25).
 */
export async function handleToolCall(
  req: CallRequest,
  ctx: CallContext,
  deps: CallDeps,
): Promise<CallToolResult> {
  const started = performance.now();
  const tool = deps.tools.find((t) => t.name === req.name);
  if (!tool || !isAllowlisted(tool.name, deps.policy))
    throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${req.name}`);
  const args = req.arguments ?? {};
  const risk = effectiveRisk(tool, deps.policy);
  const audit = auditor(ctx, tool, risk, argumentHash(args), started);
  const fail = (...a: Parameters<typeof errorBody>) => errorResult(errorBody(...a));

  // Every call counts, allowed or not: a caller cannot flood the audit chain with refusals.
  const verdict = await deps.limiter.consume(ctx.principal.userId);
  const decision = decide(ctx.principal, tool, deps.policy);
  if (!verdict.allowed) {
    logger().warn(
      { tool: tool.name, userId: ctx.principal.userId, correlationId: ctx.correlationId },
      "mcp call rate limited",
    );
    return fail("rate_limited", "Too many tool calls; slow down.", ctx.correlationId, {
      retryAfterSeconds: verdict.retryAfterSeconds,
    });
  }
  if (!decision.allow)
    return audit.done(fail("forbidden", decision.reason, ctx.correlationId), null);

  const parsed = tool.inputSchema.safeParse(args);
  if (!parsed.success)
    return audit.done(
      fail("invalid_arguments", describeIssues(parsed.error.issues), ctx.correlationId),
      null,
    );

  const key = risk === "read" ? null : idempotencyKeyOf(req.meta, req.headers);
  if (key !== null && typeof key === "object") {
    return audit.done(
      fail(
        "invalid_arguments",
        "The idempotency key must be 1-255 visible ASCII characters.",
        ctx.correlationId,
      ),
      null,
    );
  }
  if (key === null)
    return audit.done(
      (await executeTool(tool, parsed.data, { ...ctx, timeoutMs: deps.timeoutMs })).result,
      null,
    );

  const claim = await claimIdempotencyKey({
    userId: ctx.principal.userId,
    key,
    tool: tool.name,
    argsHash: audit.argsHash,
    correlationId: ctx.correlationId,
    staleAfterMs: staleAfter(deps.timeoutMs),
  });
  if (claim.kind === "replay") return audit.done(markReplayed(claim.result), key, "replayed");
  if (claim.kind === "conflict") {
    return audit.done(
      fail("conflict", claim.message, ctx.correlationId, {
        retryAfterSeconds: claim.retryAfterSeconds,
        retriable: claim.retryAfterSeconds !== undefined,
      }),
      key,
    );
  }
  const run = await executeTool(tool, parsed.data, { ...ctx, timeoutMs: deps.timeoutMs });
  if (run.sentNothing) await claim.release();
  else await claim.complete(run.result);
  return audit.done(run.result, key);
}

function markReplayed(result: CallToolResult): CallToolResult {
  return { ...result, _meta: { ...result._meta, "io.foundry-agent-chat/replayed": true } };
}

/** Writes the call's audit row once its result is known; an audit failure is logged, never hides the result. */
function auditor(
  ctx: CallContext,
  tool: ToolDefinition,
  risk: string,
  argsHash: string,
  started: number,
) {
  return {
    argsHash,
    async done(
      result: CallToolResult,
      idempotencyKey: string | null,
      outcome = outcomeOf(result),
    ): Promise<CallToolResult> {
      const latencyMs = Math.round(performance.now() - started);
      const entry = {
        at: new Date(),
        userId: ctx.principal.userId,
        username: ctx.principal.username,
        principalKind: ctx.principal.kind,
        tool: tool.name,
        risk,
        argsHash,
        outcome,
        latencyMs,
        correlationId: ctx.correlationId,
        idempotencyKey,
      };
      try {
        await appendAudit(entry);
        logger().info({ ...entry, at: undefined }, "mcp tool call");
      } catch (err) {
        // The action already happened; failing the call now would invite a duplicate retry.
        logger().error(
          { err, audit: entry },
          "audit append failed; the call's record is only in this log",
        );
      }
      return result;
    },
  };
}

import {
  ErrorCode,
  McpError,
  type CallToolResult,
  type ClientCapabilities,
} from "@modelcontextprotocol/sdk/types.js";
import { appendAudit, argumentHash } from "@/lib/audit";
import type { Principal } from "@/lib/identity/principal";
import { MCP_CALL_LIMITER } from "@/lib/limits/mcp";
import type { RateLimiter } from "@/lib/limits/rate-limit";
import { countRefusal } from "@/lib/limits/refusals";
import { logger } from "@/lib/log";
import { countRateLimited, countToolCall } from "@/lib/telemetry/metrics";
import { inSpan } from "@/lib/telemetry/tracing";
import { printableText } from "@/lib/http/text";
import { checkArgumentBounds, type ArgumentBounds } from "./argument-bounds";
import { describeIssues } from "./catalog/tools/define";
import type { ToolDefinition } from "./catalog/types";
import { executeTool } from "./execute";
import { claimIdempotencyKey, idempotencyKeyOf } from "./idempotency";
import {
  approvalElicitation,
  approvalRequiredResult,
  consumeForCall,
  ledgerGoverns,
  pendingApprovalFor,
  wantsUrlElicitation,
  type LedgerCall,
  type Ticket,
} from "./ledger";
import { decide, effectiveRisk, isAllowlisted, type Policy } from "./policy";
import { errorBody, errorResult, metricOutcome, outcomeOf } from "./results";

export interface CallDeps {
  tools: readonly ToolDefinition[];
  policy: Policy;
  limiter: RateLimiter;
  timeoutMs: number;
  argumentBounds: ArgumentBounds;
}

export interface CallRequest {
  name: string;
  arguments: Record<string, unknown> | undefined;
  meta: Record<string, unknown> | undefined;
  headers: Record<string, string | string[] | undefined>;
  /** Capabilities from `initialize` when this server saw it (never, statelessly; see ledger.ts). */
  clientCapabilities?: ClientCapabilities;
}

export interface CallContext {
  principal: Principal;
  correlationId: string;
}

/** After this long an in-progress idempotency claim counts as abandoned (its outcome unknown). */
const staleAfter = (timeoutMs: number) => timeoutMs * 2 + 60_000;

/**
 * One governed tools/call: rate limit → tool lookup → argument bounds → policy → argument
 * validation → idempotency claim and the approval ledger (write and privileged tools) → the tool
 * under timeout/retry/circuit breaker → audit → result. Every call is counted first, whatever its
 * name or arguments, and every call the limit lets through is audited with its outcome. Expected
 * failures are isError results; an unknown tool is a JSON-RPC error, and so is
 * `approval_required` for a client that declared URL elicitation (MCP 2025-11-25).
 */
export function handleToolCall(
  req: CallRequest,
  ctx: CallContext,
  deps: CallDeps,
): Promise<CallToolResult> {
  // Span names and tool attributes use the bounded label, not whatever name the caller sent.
  const tool = toolLabel(req.name, deps.tools);
  const attributes = { "mcp.method.name": "tools/call", "gen_ai.tool.name": tool };
  return inSpan(`tools/call ${tool}`, { attributes }, async (span) => {
    const result = await governedCall(req, ctx, deps);
    span.setAttribute("fac.tool.outcome", metricOutcome(outcomeOf(result)));
    return result;
  });
}

async function governedCall(
  req: CallRequest,
  ctx: CallContext,
  deps: CallDeps,
): Promise<CallToolResult> {
  const started = performance.now();
  const fail = (...a: Parameters<typeof errorBody>) => errorResult(errorBody(...a));

  // Every call counts, allowed or not: a caller cannot flood the audit chain with refusals.
  const verdict = await deps.limiter.consume(ctx.principal.userId);
  if (!verdict.allowed) {
    countRateLimited("mcp_calls");
    countToolCall(toolLabel(req.name, deps.tools), "rate_limited", started);
    logger().warn(
      {
        tool: printableToolName(req.name),
        userId: ctx.principal.userId,
        correlationId: ctx.correlationId,
      },
      "mcp call rate limited",
    );
    // Counted (per caller and minute) for the admin usage page; a failed count refuses no less.
    await countRefusal({
      limiter: MCP_CALL_LIMITER,
      userId: ctx.principal.userId,
      username: ctx.principal.username,
      at: new Date(),
    }).catch((err: unknown) => logger().error({ err }, "rate-limit refusal not counted"));
    return fail("rate_limited", "Too many tool calls; slow down.", ctx.correlationId, {
      retryAfterSeconds: verdict.retryAfterSeconds,
    });
  }

  // Bounds before anything recursive (the hash, zod, the tool) walks the arguments.
  const args = req.arguments ?? {};
  const bounds = checkArgumentBounds(args, deps.argumentBounds);
  const argsHash = bounds.ok ? argumentHash(args) : UNHASHED_ARGUMENTS;
  const tool = deps.tools.find((t) => t.name === req.name);
  if (!tool || !isAllowlisted(tool.name, deps.policy)) {
    const name = printableToolName(req.name);
    await auditor(ctx, name, "unknown", argsHash, started, UNKNOWN).record("unknown_tool", null);
    throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
  }
  const risk = effectiveRisk(tool, deps.policy);
  const audit = auditor(ctx, tool.name, risk, argsHash, started, tool.name);
  if (!bounds.ok)
    return audit.done(fail("invalid_arguments", bounds.message, ctx.correlationId), null);

  const decision = decide(ctx.principal, tool, deps.policy);
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

  // The approval ledger: hash what the client sent (not parsed.data with zod defaults), the same
  // value the chat side hashes when it records the approval.
  const ledger: LedgerCall | null = ledgerGoverns(tool, deps.policy)
    ? {
        principal: ctx.principal,
        tool: tool.name,
        risk,
        args,
        argsHash: audit.argsHash,
        correlationId: ctx.correlationId,
      }
    : null;
  const run = async (ticket: Ticket | undefined) => {
    const execution = await executeTool(tool, parsed.data, { ...ctx, timeoutMs: deps.timeoutMs });
    // Nothing was sent: the approval may serve a retry of the same call (e.g. after connecting).
    if (execution.sentNothing) await ticket?.release();
    return execution;
  };
  const approvalRequired = async (call: LedgerCall, idempotencyKey: string | null) => {
    const approval = await pendingApprovalFor(call);
    const result = approvalRequiredResult(call, approval);
    await audit.done(result, idempotencyKey);
    if (approval && wantsUrlElicitation(req.meta, req.clientCapabilities))
      throw approvalElicitation(call, approval);
    return result;
  };

  if (key === null) {
    const ticket = ledger ? await consumeForCall(ledger) : undefined;
    if (ledger && !ticket) return approvalRequired(ledger, null);
    return audit.done((await run(ticket)).result, null);
  }

  // With a key the claim comes first: a retry whose first attempt already ran replays its stored
  // result (its approval is consumed by then); only a new claim consumes an approval.
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
  let ticket: Ticket | undefined;
  try {
    ticket = ledger ? await consumeForCall(ledger) : undefined;
  } catch (err) {
    await claim.release();
    throw err;
  }
  if (ledger && !ticket) {
    await claim.release();
    return approvalRequired(ledger, key);
  }
  const execution = await run(ticket);
  if (execution.sentNothing) await claim.release();
  else await claim.complete(execution.result);
  return audit.done(execution.result, key);
}

function markReplayed(result: CallToolResult): CallToolResult {
  return { ...result, _meta: { ...result._meta, "io.foundry-agent-chat/replayed": true } };
}

/**
 * What the audit row holds instead of a hash when the arguments were refused as too deep or too
 * big: hashing them is exactly the walk the bounds exist to avoid.
 */
export const UNHASHED_ARGUMENTS = "-";

/**
 * A caller-chosen tool name as the audit row, the log and the error message may carry it: at most
 * 128 characters, no NUL, no unpaired surrogate (PostgreSQL stores neither).
 */
export function printableToolName(name: string): string {
  // Cut first, then clean: the cut may split a surrogate pair.
  return printableText(name.length > 128 ? `${name.slice(0, 128)}…` : name);
}

/** The metric label of a called tool: its name when the server has it, else "unknown". */
const UNKNOWN = "unknown";
function toolLabel(name: string, tools: readonly ToolDefinition[]): string {
  return tools.some((t) => t.name === name) ? name : UNKNOWN;
}

/**
 * Writes the call's audit row (and counts it) once its result is known; an audit failure is
 * logged, never hides the result. `label` is the tool's metric label (a catalog name or "unknown").
 */
function auditor(
  ctx: CallContext,
  tool: string,
  risk: string,
  argsHash: string,
  started: number,
  label: string,
) {
  const record = async (outcome: string, idempotencyKey: string | null): Promise<void> => {
    countToolCall(label, metricOutcome(outcome), started);
    const latencyMs = Math.round(performance.now() - started);
    const entry = {
      at: new Date(),
      userId: ctx.principal.userId,
      username: ctx.principal.username,
      principalKind: ctx.principal.kind,
      tool,
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
  };
  return {
    argsHash,
    record,
    async done(
      result: CallToolResult,
      idempotencyKey: string | null,
      outcome = outcomeOf(result),
    ): Promise<CallToolResult> {
      await record(outcome, idempotencyKey);
      return result;
    },
  };
}

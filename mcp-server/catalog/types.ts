import type { z } from "zod";
import type { Principal } from "@/lib/identity/principal";

/** How much harm a call can do; drives approval (DESIGN §5, mcp-server/policy.ts). */
export type Risk = "read" | "write" | "privileged";

/** Honest MCP tool annotations (spec 2025-11-25). */
export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** What a tool's `run` gets: who calls, for which request, and a signal to give up. */
export interface ToolContext {
  principal: Principal;
  correlationId: string;
  signal: AbortSignal;
}

const TOOL_ERROR = Symbol.for("foundry-agent-chat.ToolError");

/**
 * An expected failure a tool reports (bad phone number, provider not connected, …). The server
 * turns it into an `isError` result `{ code, message, correlation_id, retriable, … }`.
 *
 * `instanceof` goes by a process-wide brand, not by class identity: Next bundles this module once
 * per entry (instrumentation, each route), and tools loaded by one entry are called from another.
 */
export class ToolError extends Error {
  readonly [TOOL_ERROR] = true;

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && TOOL_ERROR in value;
  }

  constructor(
    readonly code:
      | "invalid_arguments"
      | "not_found"
      | "auth_required"
      | "session_expired"
      | "rate_limited"
      | "timeout"
      | "provider_error"
      | "forbidden"
      | "conflict",
    message: string,
    readonly details: {
      retriable?: boolean;
      retryAfterSeconds?: number;
      connectUrl?: string;
      provider?: string;
    } = {},
  ) {
    super(message);
    this.name = "ToolError";
  }
}

/**
 * One tool = one file under mcp-server/catalog/tools/. Input (and output) schemas are zod objects
 * that must convert to plain JSON Schema: no unions, no anyOf/allOf, one type per property.
 */
export interface ToolDefinition<
  I extends z.ZodObject = z.ZodObject,
  O extends z.ZodObject | undefined = z.ZodObject | undefined,
> {
  name: string;
  title: string;
  description: string;
  risk: Risk;
  annotations: ToolAnnotations;
  /** Provider id, e.g. "twilio", "tavily", "gmail", "graph", "openapi:dealer", "internal". */
  provider: string;
  inputSchema: I;
  outputSchema?: O;
  /** Per-tool bounds (a configured backend's): budget capped by MCP_TOOL_TIMEOUT_MS, retries. */
  resilience?: { timeoutMs?: number; retries?: number };
  run(input: z.infer<I>, ctx: ToolContext): Promise<O extends z.ZodObject ? z.infer<O> : unknown>;
}

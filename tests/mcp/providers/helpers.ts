import { Writable } from "node:stream";
import pino from "pino";
import { vi } from "vitest";
import { resetConfig } from "@/lib/config";
import { loggerOptions } from "@/lib/log";
import { createRateLimiter } from "@/lib/limits/rate-limit";
import type { Principal } from "@/lib/identity/principal";
import { handleToolCall } from "@/mcp-server/call";
import type { ToolDefinition } from "@/mcp-server/catalog/types";
import { POLICY, type Policy } from "@/mcp-server/policy";

/** Sets environment variables (undefined removes one) and rebuilds the configuration. */
export function setEnv(vars: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  resetConfig();
}

const LOGGER = Symbol.for("foundry-agent-chat.logger");
type Holder = { [LOGGER]?: pino.Logger };

/**
 * Replaces the app's logger with one built exactly like it (same redaction and serializers) at
 * `trace`, writing its JSON lines into `lines`; console output (an SDK's own debug printing)
 * is captured too. `restore()` puts everything back.
 */
export function captureLogs(): { lines: string[]; console: string[]; restore: () => void } {
  const lines: string[] = [];
  const printed: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString("utf8"));
      done();
    },
  });
  const g = globalThis as Holder;
  const previous = g[LOGGER];
  g[LOGGER] = pino(loggerOptions("trace"), sink);
  const spies = (["log", "info", "warn", "error", "debug"] as const).map((m) =>
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      printed.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
    }),
  );
  return {
    lines,
    console: printed,
    restore() {
      g[LOGGER] = previous;
      for (const s of spies) s.mockRestore();
    },
  };
}

/**
 * One tools/call through the MCP server's whole pipeline (policy, validation, resilience, audit,
 * the audit log line). Write tools run without the approval step: that is the ledger's concern,
 * tested elsewhere, and here only what the adapter makes of the provider's answer matters.
 */
export function callThroughPipeline(
  tool: ToolDefinition,
  args: Record<string, unknown>,
  principal: Principal,
  correlationId: string,
) {
  const policy: Policy = {
    ...POLICY,
    risks: { ...POLICY.risks, write: { ...POLICY.risks.write, approval: "never" } },
  };
  return handleToolCall(
    { name: tool.name, arguments: args, meta: undefined, headers: {} },
    { principal, correlationId },
    {
      tools: [tool],
      policy,
      limiter: createRateLimiter({ points: 1000, durationSeconds: 60, keyPrefix: "t-providers" }),
      timeoutMs: 10_000,
      argumentBounds: { maxDepth: 32, maxBytes: 512 * 1024 },
    },
  );
}

/** The JSON error body of an isError result. */
export function errorBodyOf(result: { isError?: boolean; content: unknown[] }): {
  code: string;
  message: string;
  retriable: boolean;
  retry_after_seconds?: number;
} {
  if (!result.isError) throw new Error(`expected an error result, got ${JSON.stringify(result)}`);
  const first = result.content[0] as { text: string };
  return JSON.parse(first.text) as never;
}

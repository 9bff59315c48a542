import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { ToolError, type ToolDefinition } from "@/mcp-server/catalog/types";
import { POLICY } from "@/mcp-server/policy";
import { BREAKER_THRESHOLD } from "@/mcp-server/resilience";
import {
  approveCall,
  auditRows,
  bearer,
  errorOf,
  mcpClient,
  startMcpServer,
  type McpTestServer,
} from "./harness";

const calls = new Map<string, number>();
const aborted = new Set<string>();
function count(name: string): number {
  const n = (calls.get(name) ?? 0) + 1;
  calls.set(name, n);
  return n;
}

const readAnn = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: true,
};
const addAnn = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: true,
};

function testTool(
  name: string,
  risk: "read" | "write",
  provider: string,
  run: (signal: AbortSignal) => Promise<unknown>,
): ToolDefinition {
  return {
    name,
    title: name,
    description: `Test tool ${name}.`,
    risk,
    provider,
    annotations: risk === "read" ? readAnn : addAnn,
    inputSchema: z.object({}),
    outputSchema: z.object({ ok: z.boolean() }),
    run: (_input, ctx) => run(ctx.signal) as never,
  };
}

const transient = () =>
  new ToolError("provider_error", "Upstream answered 503.", { retriable: true });
const hang = (name: string) => (signal: AbortSignal) =>
  new Promise<never>((_resolve, reject) => {
    count(name);
    signal.addEventListener("abort", () => {
      aborted.add(name);
      reject(new ToolError("timeout", "aborted"));
    });
  });

const tools: ToolDefinition[] = [
  testTool("test_flaky_read", "read", "flaky-r", async () => {
    if (count("test_flaky_read") < 3) throw transient();
    return { ok: true };
  }),
  testTool("test_flaky_write", "write", "flaky-w", async () => {
    count("test_flaky_write");
    throw transient();
  }),
  testTool("test_slow_read", "read", "slow-r", hang("test_slow_read")),
  testTool("test_slow_write", "write", "slow-w", hang("test_slow_write")),
  testTool("test_down_read", "read", "down", async () => {
    count("test_down_read");
    throw new ToolError("provider_error", "Upstream answered 500.", { retriable: false });
  }),
  testTool("test_buggy_read", "read", "buggy", async () => {
    count("test_buggy_read");
    throw new TypeError("Cannot read properties of undefined (reading 'x')");
  }),
  testTool("test_invalid_read", "read", "strict", async () => {
    count("test_invalid_read");
    throw new ToolError("invalid_arguments", "No such plan.");
  }),
];

const policy = { ...POLICY, allow: ["test_*"] };
/** The writes here are about resilience: each is pre-approved so that the ledger lets it run. */
const approve = (name: string) => approveCall("alice", name, {}, { tools, policy });

let s: McpTestServer;
let client: Client;
beforeAll(async () => {
  s = await startMcpServer({
    env: { MCP_TOOL_TIMEOUT_MS: "300", MCP_RATE_LIMIT_PER_MINUTE: "1000" },
    handler: { tools, policy },
  });
  client = await mcpClient(s.mcpUrl, bearer(await mintLocalAccessToken({ username: "alice" })));
});
afterAll(async () => {
  await client?.close();
  await s?.close();
});
beforeEach(() => calls.clear());

const call = (name: string) => client.callTool({ name, arguments: {} }) as Promise<CallToolResult>;

describe("timeouts, retries and circuit breakers", () => {
  it("retries a transient failure of a read tool and succeeds", async () => {
    const result = await call("test_flaky_read");
    expect(result.structuredContent).toEqual({ ok: true });
    expect(calls.get("test_flaky_read")).toBe(3);
  });

  it("never retries a write that adds something", async () => {
    await approve("test_flaky_write");
    const err = errorOf(await call("test_flaky_write"));
    expect(err).toMatchObject({ code: "provider_error", retriable: true });
    expect(calls.get("test_flaky_write")).toBe(1);
  });

  it("times a hung read out within its budget, aborting the tool's signal", async () => {
    const started = Date.now();
    const err = errorOf(await call("test_slow_read"));
    expect(err).toMatchObject({ code: "timeout", retriable: true });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(aborted.has("test_slow_read")).toBe(true);
  });

  it("times a hung write out and says it may have happened", async () => {
    await approve("test_slow_write");
    const err = errorOf(await call("test_slow_write"));
    expect(err).toMatchObject({ code: "timeout", retriable: false });
    expect(err.message).toMatch(/may still have happened/);
    expect(calls.get("test_slow_write")).toBe(1);
  });

  it("opens the provider's circuit after repeated failures and stops calling it", async () => {
    for (let i = 0; i < BREAKER_THRESHOLD; i++)
      expect(errorOf(await call("test_down_read")).message).toBe("Upstream answered 500.");
    const paused = errorOf(await call("test_down_read"));
    expect(paused).toMatchObject({
      code: "provider_error",
      retriable: true,
      retry_after_seconds: 30,
    });
    expect(paused.message).toMatch(/paused/);
    expect(calls.get("test_down_read")).toBe(BREAKER_THRESHOLD);
    // Other providers are unaffected.
    expect((await call("test_flaky_read")).isError).toBeFalsy();
  });

  it("does not count a caller's mistakes against the provider", async () => {
    for (let i = 0; i < BREAKER_THRESHOLD + 2; i++)
      expect(errorOf(await call("test_invalid_read")).code).toBe("invalid_arguments");
    expect(calls.get("test_invalid_read")).toBe(BREAKER_THRESHOLD + 2);
  });

  it("hides an unexpected exception behind a generic provider_error", async () => {
    const err = errorOf(await call("test_buggy_read"));
    expect(err).toMatchObject({
      code: "provider_error",
      retriable: false,
      message: "The tool failed unexpectedly.",
    });
    expect(JSON.stringify(err)).not.toContain("Cannot read properties");
  });

  it("audits each outcome", async () => {
    // (approval_* rows are the pre-approvals' own records, not tool calls)
    const outcomes = new Set(
      (await auditRows(s.db)).map((r) => r.outcome).filter((o) => !o.startsWith("approval_")),
    );
    expect([...outcomes].sort()).toEqual(["invalid_arguments", "ok", "provider_error", "timeout"]);
  });
});

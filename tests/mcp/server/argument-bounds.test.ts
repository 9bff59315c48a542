import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mintLocalAccessToken, mintLocalAppAccessToken } from "@/lib/identity/local-idp/tokens";
import { resetMcpCallLimiter } from "@/lib/limits/mcp";
import { checkArgumentBounds } from "@/mcp-server/argument-bounds";
import { UNHASHED_ARGUMENTS } from "@/mcp-server/call";
import { recordConnection } from "@/mcp-server/connections/store";
import { APP_ROLES } from "@/mcp-server/policy";
import {
  approveCall,
  auditRows,
  bearer,
  demoPrincipal,
  errorOf,
  mcpClient,
  startMcpServer,
  type McpTestServer,
} from "./harness";

/** `{ a: { a: … "x" } }`, `levels` objects deep. */
function nested(levels: number): Record<string, unknown> {
  let value: unknown = "x";
  for (let i = 0; i < levels; i++) value = { a: value };
  return value as Record<string, unknown>;
}

const SIZE_LIMIT = 4096;
const RATE_LIMIT = 5;

describe("tools/call argument bounds, counting and audit", () => {
  let s: McpTestServer;
  let alice: Client;
  beforeAll(async () => {
    s = await startMcpServer({
      env: {
        MCP_MAX_ARGUMENT_BYTES: String(SIZE_LIMIT),
        MCP_RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
      },
    });
    alice = await mcpClient(s.mcpUrl, bearer(await mintLocalAccessToken({ username: "alice" })));
  });
  afterAll(async () => {
    await alice?.close();
    await s?.close();
  });
  beforeEach(() => resetMcpCallLimiter());

  const lastAudit = async () => (await auditRows(s.db)).at(-1)!;

  it("arguments_nested_thousands_deep_are_refused_and_audited_instead_of_overflowing_the_stack", async () => {
    const result = await alice.callTool({
      name: "provider_connection_status",
      arguments: { provider: nested(3000) },
    });
    const err = errorOf(result as never);
    expect(err.code).toBe("invalid_arguments");
    expect(err.message).toContain("nested more than 32 levels");
    expect(await lastAudit()).toMatchObject({
      tool: "provider_connection_status",
      outcome: "invalid_arguments",
      argsHash: UNHASHED_ARGUMENTS,
      correlationId: err.correlation_id,
    });
  });

  it("a_raw_body_nested_a_hundred_thousand_levels_gets_invalid_arguments_not_an_internal_error", async () => {
    // What a hostile client sends without an SDK (JSON.parse itself copes with the depth).
    const depth = 100_000;
    const body = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"provider_connection_status","arguments":{"provider":${"[".repeat(depth)}${"]".repeat(depth)}}}}`;
    const res = await fetch(s.mcpUrl, {
      method: "POST",
      headers: {
        ...bearer(await mintLocalAccessToken({ username: "alice" })),
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2025-06-18",
      },
      body,
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { result?: never; error?: unknown };
    expect(answer.error).toBeUndefined();
    expect(errorOf(answer.result!).code).toBe("invalid_arguments");
    expect((await lastAudit()).outcome).toBe("invalid_arguments");
  });

  it("arguments_within_the_depth_bound_reach_schema_validation", async () => {
    const err = errorOf(
      (await alice.callTool({
        name: "provider_connection_status",
        arguments: { provider: nested(30) },
      })) as never,
    );
    expect(err.code).toBe("invalid_arguments");
    expect(err.message).not.toContain("nested");
  });

  it("arguments_larger_than_the_size_bound_are_refused_and_audited", async () => {
    const err = errorOf(
      (await alice.callTool({
        name: "gmail_search_emails",
        arguments: { query: "é".repeat(SIZE_LIMIT) },
      })) as never,
    );
    expect(err.code).toBe("invalid_arguments");
    expect(err.message).toContain(`the limit is ${SIZE_LIMIT}`);
    expect(await lastAudit()).toMatchObject({
      tool: "gmail_search_emails",
      outcome: "invalid_arguments",
    });
  });

  it("nul_in_tool_arguments_is_refused_with_a_clear_error_and_audited_not_a_database_error", async () => {
    const user = await demoPrincipal("alice");
    await recordConnection(user.userId, "gmail", user.username);
    const args = { subject: "Quarterly\u0000 numbers", body: "See attached." };
    await approveCall("alice", "gmail_create_draft", args);
    const err = errorOf(
      (await alice.callTool({ name: "gmail_create_draft", arguments: args })) as never,
    );
    expect(err).toMatchObject({ code: "invalid_arguments", retriable: false });
    expect(err.message).toBe("arguments.subject contains a NUL character (\\u0000).");
    expect(await lastAudit()).toMatchObject({
      tool: "gmail_create_draft",
      outcome: "invalid_arguments",
      correlationId: err.correlation_id,
    });
  });

  it("a_lone_surrogate_in_tool_arguments_or_their_names_is_refused_and_audited", async () => {
    for (const args of [{ query: "budget \ud800 2025" }, { ["q\udc00"]: "budget" }]) {
      const err = errorOf(
        (await alice.callTool({ name: "gmail_search_emails", arguments: args })) as never,
      );
      expect(err.code).toBe("invalid_arguments");
      expect(err.message).toContain("unpaired UTF-16 surrogate");
      expect(await lastAudit()).toMatchObject({
        tool: "gmail_search_emails",
        outcome: "invalid_arguments",
        correlationId: err.correlation_id,
      });
    }
  });

  it("unknown_tool_calls_count_against_the_rate_limit_and_are_audited", async () => {
    const token = await mintLocalAppAccessToken({
      appId: `bounds-test-${randomBytes(6).toString("hex")}`,
      roles: [APP_ROLES.read],
    });
    const client = await mcpClient(s.mcpUrl, bearer(token));
    const before = (await auditRows(s.db)).length;
    for (let i = 0; i < RATE_LIMIT; i++)
      await expect(client.callTool({ name: "no_such_tool\u0000", arguments: {} })).rejects.toThrow(
        /Unknown tool: no_such_tool\uFFFD/,
      );
    const rows = (await auditRows(s.db)).slice(before);
    expect(rows).toHaveLength(RATE_LIMIT);
    for (const row of rows)
      expect(row).toMatchObject({ tool: "no_such_tool\uFFFD", outcome: "unknown_tool" });

    const limited = await client.callTool({
      name: "provider_connection_status",
      arguments: { provider: "gmail" },
    });
    expect(errorOf(limited as never).code).toBe("rate_limited");
    await client.close();
  });
});

describe("checkArgumentBounds", () => {
  const bounds = { maxDepth: 3, maxBytes: 100 };
  it("counts the arguments object as level one and arrays as levels", () => {
    expect(checkArgumentBounds({ a: [["x"]] }, bounds)).toEqual({ ok: true });
    expect(checkArgumentBounds({ a: [[["x"]]] }, bounds)).toMatchObject({ ok: false });
  });
  it("walks a million levels without recursion", () => {
    let deep: unknown = [];
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    expect(checkArgumentBounds({ deep }, { maxDepth: 32, maxBytes: 1 << 20 })).toMatchObject({
      ok: false,
    });
  });
  it("accepts well-formed text, including surrogate pairs", () => {
    expect(checkArgumentBounds({ text: "😀 ok" }, bounds)).toEqual({ ok: true });
  });
});

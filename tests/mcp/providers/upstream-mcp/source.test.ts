import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UpstreamMcpConfig } from "@/lib/tool-backends";
import type { ToolDefinition } from "@/mcp-server/catalog/types";
import { upstreamMcpSource } from "@/mcp-server/providers/upstream-mcp/source";
import { ctx, principal, toolError } from "../../tools/helpers";
import { startPagedUpstream, type FakeUpstream } from "./upstream";

/**
 * A source against a real upstream on 127.0.0.1 (the SDK's low-level Server, paginating its
 * tools/list), without our HTTP layer: listing, listing credentials, and how calls fail.
 */

const tool = (name: string, readOnly = false): Tool => ({
  name,
  description: `The ${name} tool.`,
  inputSchema: { type: "object", properties: { id: { type: "string" } } },
  ...(readOnly ? { annotations: { readOnlyHint: true } } : {}),
});

let up: FakeUpstream;
beforeAll(async () => {
  up = await startPagedUpstream([
    [tool("alpha", true), tool("beta")],
    [tool("gamma")],
    [tool("delta", true)],
  ]);
});
afterAll(() => up?.close());

const config = (over: Partial<UpstreamMcpConfig> = {}): UpstreamMcpConfig => ({
  id: "paged",
  url: up.url,
  auth: { type: "api_key", header: "X-API-Key", prefix: "", secret: "paged-key-1" },
  tools: ["alpha", "gamma", "delta"],
  risks: {},
  refreshSeconds: 60,
  ...over,
});
const load = (c: UpstreamMcpConfig) => upstreamMcpSource(c).load(AbortSignal.timeout(10_000));
const find = (tools: ToolDefinition[], name: string) => {
  const t = tools.find((x) => x.name === name);
  if (!t) throw new Error(`no ${name}`);
  return t;
};

describe("an upstream MCP server as a tool source", () => {
  it("is_named_mcp_id_refreshes_every_refresh_seconds_and_follows_next_cursor", async () => {
    const source = upstreamMcpSource(config());
    expect(source).toMatchObject({ id: "mcp:paged", refreshMs: 60_000 });
    up.seen.length = 0;
    const tools = await source.load(AbortSignal.timeout(10_000));
    expect(tools.map((t) => [t.name, t.risk, t.provider])).toEqual([
      ["mcp_paged_alpha", "read", "mcp:paged"],
      ["mcp_paged_gamma", "write", "mcp:paged"],
      ["mcp_paged_delta", "read", "mcp:paged"],
    ]);
    expect(up.seen.filter((r) => r.rpc === "tools/list")).toHaveLength(3);
  });

  it("an_obo_upstream_lists_with_its_list_auth_and_no_user", async () => {
    up.seen.length = 0;
    const tools = await load(
      config({
        auth: { type: "obo", scope: "api://paged/.default" },
        listAuth: { type: "api_key", header: "X-List-Key", prefix: "", secret: "list-key-9" },
      }),
    );
    expect(tools).toHaveLength(3);
    const listing = up.seen.filter((r) => r.method === "POST");
    expect(listing.length).toBeGreaterThan(0);
    for (const r of listing) {
      expect(r.headers["x-list-key"]).toBe("list-key-9");
      expect(r.headers.authorization).toBeUndefined();
    }

    // A call goes On-Behalf-Of the caller: an application has no user to act for.
    up.seen.length = 0;
    const err = await toolError(
      find(tools, "mcp_paged_gamma"),
      { id: "1" },
      ctx(principal("svc", { kind: "app" })),
    );
    expect(err.code).toBe("forbidden");
    expect(up.seen).toEqual([]);
  });

  it("a_call_sends_the_real_name_and_arguments_with_our_key_never_the_caller_s_token", async () => {
    const tools = await load(config());
    up.seen.length = 0;
    const caller = principal("alice", { token: "callers-own-bearer-token" });
    const out = await find(tools, "mcp_paged_gamma").run({ id: "42" }, ctx(caller));
    expect(out).toBe("ok gamma");
    expect(up.callsOf("gamma")).toEqual([
      expect.objectContaining({ tool: "gamma", arguments: { id: "42" } }),
    ]);
    for (const r of up.seen) {
      expect(r.headers["x-api-key"]).toBe("paged-key-1");
      expect(JSON.stringify(r.headers)).not.toContain("callers-own-bearer-token");
    }
  });

  it("a_static_key_refused_twice_is_session_expired_not_retriable", async () => {
    const tools = await load(config());
    up.seen.length = 0;
    up.refuse = () => new Response("bad key", { status: 401 });
    try {
      const err = await toolError(find(tools, "mcp_paged_gamma"), { id: "1" }, ctx(principal("a")));
      expect(err).toMatchObject({
        code: "session_expired",
        details: { retriable: false, provider: "mcp:paged" },
      });
      expect(err.message).not.toContain("paged-key-1");
      // Tried, renewed once, tried again: two initializes, never a third.
      expect(up.seen.filter((r) => r.rpc === "initialize")).toHaveLength(2);
    } finally {
      up.refuse = undefined;
    }
  });

  it("a_listing_refused_twice_fails_the_source_with_a_reason", async () => {
    up.refuse = () => new Response(null, { status: 401 });
    try {
      await expect(load(config())).rejects.toThrow(
        "The mcp:paged MCP server refused our configured credentials; an administrator must fix them.",
      );
    } finally {
      up.refuse = undefined;
    }
  });

  it("an_upstream_that_went_away_is_a_retriable_provider_error", async () => {
    const gone = await startPagedUpstream([[tool("gamma")]]);
    const moved = await load(config({ url: gone.url }));
    await gone.close();
    const err = await toolError(find(moved, "mcp_paged_gamma"), { id: "1" }, ctx(principal("a")));
    expect(err).toMatchObject({
      code: "provider_error",
      // ECONNREFUSED, or a reset of a kept-alive connection.
      message: expect.stringMatching(/^Could not reach the mcp:paged MCP server( \(\w+\))?\.$/),
      details: { retriable: true },
    });
  });

  it("the_tool_s_signal_ends_a_call_the_upstream_never_answers", async () => {
    const tools = await load(config());
    up.refuse = (r) =>
      r.rpc === "tools/call" ? new Promise<Response>(() => undefined) : undefined;
    try {
      const started = Date.now();
      const err = await find(tools, "mcp_paged_gamma")
        .run({ id: "1" }, ctx(principal("a"), AbortSignal.timeout(300)))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(up.seen.filter((r) => r.rpc === "tools/call").length).toBeGreaterThan(0);
    } finally {
      up.refuse = undefined;
    }
  });
});

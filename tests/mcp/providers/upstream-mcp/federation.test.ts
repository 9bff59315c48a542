import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { catalogTools, getTool } from "@/mcp-server/catalog";
import { configuredToolSources } from "@/mcp-server/catalog/configured-sources";
import { setToolSources, toolSourceStatus } from "@/mcp-server/catalog/sources";
import { META } from "@/mcp-server/describe";
import { clearOutboundTokens } from "@/mcp-server/providers/outbound-auth";
import {
  approveCall,
  auditRows,
  bearer,
  demoPrincipal,
  errorOf,
  mcpClient,
  startMcpServer,
  type McpTestServer,
} from "../../server/harness";
import { captureLogs } from "../helpers";
import { startUpstream, type FakeUpstream } from "./upstream";

/**
 * Federation end to end: two real MCP servers (the SDK's McpServer over Streamable HTTP on
 * 127.0.0.1) configured in a tool backends file, their allowlisted tools called through our
 * /api/mcp with the real handler, approvals, ledger and audit. Everything on 127.0.0.1 is real
 * HTTP; only the OAuth token endpoint of the client-credentials upstream is answered in-process
 * (its request shape has its own test in outbound-auth.test.ts). Not msw: @mswjs/interceptors
 * 0.41 never settles `response.body.cancel()` on a passed-through response (mswjs/interceptors
 * #712, #799), and the MCP SDK cancels the body of every 202 it gets.
 */

const CRM_KEY = "crm-upstream-key-7f3a9c";
const OPS_SECRET = "ops-client-secret-52be01";
const TOKEN_URL = "https://login.example.test/tenant/oauth2/v2.0/token";

const tokenRequests: URLSearchParams[] = [];
const realFetch = globalThis.fetch;
/** The token endpoint in-process; every other request goes out for real (loopback only). */
async function fetchWithTokenEndpoint(input: RequestInfo | URL, init?: RequestInit) {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  if (url === TOKEN_URL) {
    tokenRequests.push(new URLSearchParams(await new Request(input, init).text()));
    return Response.json({
      access_token: `ops-app-token-${tokenRequests.length}`,
      token_type: "Bearer",
      expires_in: 3600,
    });
  }
  if (new URL(url).hostname !== "127.0.0.1") throw new Error(`unexpected request to ${url}`);
  return realFetch(input, init);
}

// Everything the server logs (and prints) during the file; no line may carry a secret.
let logs: ReturnType<typeof captureLogs>;

let crm: FakeUpstream;
let ops: FakeUpstream;
let s: McpTestServer;
let dir: string;
let aliceToken: string;
let alice: Client;

const unauthorized = () => new Response("token expired", { status: 401 });

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", () => resolve()));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  logs = captureLogs();
  vi.stubGlobal("fetch", fetchWithTokenEndpoint);
  [crm, ops] = await Promise.all([startUpstream(), startUpstream()]);
  // The client-credentials upstream refuses the first app token: listing must renew it once.
  ops.refuse = (r) =>
    r.headers.authorization === "Bearer ops-app-token-1" ? unauthorized() : undefined;
  dir = mkdtempSync(path.join(tmpdir(), "fac-federation-"));
  const file = path.join(dir, "tool-backends.yaml");
  writeFileSync(
    file,
    `
mcp:
  - id: crm
    url: ${crm.url}
    auth: { type: api_key, header: Authorization, prefix: "Bearer ", secret: CRM_MCP_KEY }
    tools: [lookup_customer, create_note, purge_customer, slow_report, flexible_search, gone_tool]
    risks: { purge_customer: privileged }
    timeoutMs: 2000
  - id: ops
    url: ${ops.url}
    auth:
      type: client_credentials
      tokenUrl: ${TOKEN_URL}
      clientId: ops-client
      secret: OPS_MCP_SECRET
      scope: api://ops/.default
    tools: [lookup_customer]
  - id: down
    url: http://127.0.0.1:${await closedPort()}/mcp
    tools: [anything]
`,
  );
  s = await startMcpServer({
    env: {
      TOOL_BACKENDS_FILE: file,
      CRM_MCP_KEY: CRM_KEY,
      OPS_MCP_SECRET: OPS_SECRET,
      MCP_RATE_LIMIT_PER_MINUTE: "10000",
    },
  });
  setToolSources(configuredToolSources());
  aliceToken = await mintLocalAccessToken({ username: "alice" });
  alice = await mcpClient(s.mcpUrl, bearer(aliceToken));
});

afterAll(async () => {
  await alice?.close();
  setToolSources([]);
  clearOutboundTokens();
  await s?.close();
  await Promise.all([crm?.close(), ops?.close()]);
  vi.unstubAllGlobals();
  if (dir) rmSync(dir, { recursive: true, force: true });
  logs?.restore();
});

type Args = Record<string, unknown>;
let keys = 0;
function call(name: string, args: Args, key?: string): Promise<CallToolResult> {
  return alice.callTool({
    name,
    arguments: args,
    _meta: { [META.idempotencyKey]: key ?? `federation-${++keys}` },
  }) as Promise<CallToolResult>;
}
const textOf = (r: CallToolResult) => (r.content[0] as { text: string }).text;
const authorizations = (up: FakeUpstream, rpc?: string) =>
  up.seen.filter((r) => !rpc || r.rpc === rpc).map((r) => r.headers.authorization);

describe("upstream MCP servers through /api/mcp", () => {
  let listed: Tool[];

  it("tools_list_shows_exactly_the_allowlisted_plain_tools_with_the_prefix_and_mapped_risks", async () => {
    listed = (await alice.listTools()).tools;
    const federated = listed.filter((t) => t.name.startsWith("mcp_"));
    expect(Object.fromEntries(federated.map((t) => [t.name, t._meta?.[META.risk]]))).toEqual({
      mcp_crm_lookup_customer: "read",
      mcp_crm_create_note: "write",
      mcp_crm_purge_customer: "privileged",
      mcp_crm_slow_report: "read",
      mcp_ops_lookup_customer: "read",
    });
    // Not allowlisted (admin_reset), not plain (flexible_search), not offered (gone_tool): absent.
    const byName = new Map(federated.map((t) => [t.name, t]));
    expect(byName.get("mcp_crm_create_note")?.annotations).toEqual({
      title: "create_note",
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: false,
      openWorldHint: true,
    });
    expect(byName.get("mcp_crm_lookup_customer")).toMatchObject({
      title: "Look up a customer",
      description: "Finds a customer by id.",
      annotations: { readOnlyHint: true, destructiveHint: false, openWorldHint: false },
      inputSchema: {
        type: "object",
        properties: { customer_id: { type: "string", description: "The customer's id, e.g. C-1" } },
        required: ["customer_id"],
      },
      outputSchema: { type: "object", required: ["id", "name", "tier"] },
    });
    expect(byName.get("mcp_crm_purge_customer")?._meta?.[META.approverRoles]).toEqual(["Approver"]);
    expect(getTool("mcp_crm_lookup_customer")?.provider).toBe("mcp:crm");
    expect(getTool("mcp_ops_lookup_customer")?.provider).toBe("mcp:ops");

    const leftOut = logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(leftOut).toContainEqual(
      expect.objectContaining({
        msg: "upstream MCP tool left out",
        source: "mcp:crm",
        tool: "flexible_search",
        reason: expect.stringMatching(/input schema is not plain .*anyOf/),
      }),
    );
    expect(leftOut).toContainEqual(
      expect.objectContaining({
        msg: "allowlisted tool is not offered by the upstream MCP server",
        tool: "gone_tool",
      }),
    );
  });

  it("an_unreachable_upstream_fails_alone_and_the_catalog_keeps_serving", () => {
    const status = Object.fromEntries(toolSourceStatus().map((x) => [x.id, x]));
    expect(status["mcp:down"]).toMatchObject({
      state: "failed",
      tools: 0,
      error: "Could not reach the mcp:down MCP server (ECONNREFUSED).",
    });
    expect(status["mcp:crm"]).toMatchObject({ state: "ready", tools: 4 });
    // The built-in tools and the other upstreams are all still listed.
    expect(listed.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        "tavily_search",
        "mcp_crm_lookup_customer",
        "mcp_ops_lookup_customer",
      ]),
    );
  });

  it("the_read_tool_runs_without_approval_and_passes_structured_content_through", async () => {
    const before = crm.callsOf("lookup_customer").length;
    const result = await call("mcp_crm_lookup_customer", { customer_id: "C-7" });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ id: "C-7", name: "Priya Shah", tier: "gold" });
    const calls = crm.callsOf("lookup_customer");
    expect(calls).toHaveLength(before + 1);
    // The upstream tool's real name and exactly the validated arguments.
    expect(calls.at(-1)).toMatchObject({
      tool: "lookup_customer",
      arguments: { customer_id: "C-7" },
    });
  });

  it("arguments_our_schema_refuses_never_reach_the_upstream", async () => {
    const before = crm.callsOf("lookup_customer").length;
    const result = await call("mcp_crm_lookup_customer", { customer_id: 7, extra: true });
    expect(errorOf(result).code).toBe("invalid_arguments");
    expect(crm.callsOf("lookup_customer")).toHaveLength(before);
  });

  it("the_write_tool_is_refused_without_approval_and_runs_exactly_once_with_one", async () => {
    const args = { customer_id: "C-7", text: "Prefers e-mail." };
    expect(errorOf(await call("mcp_crm_create_note", args)).code).toBe("approval_required");
    expect(crm.callsOf("create_note")).toHaveLength(0);

    const who = await demoPrincipal("alice");
    await approveCall(who, "mcp_crm_create_note", args, { tools: catalogTools() });
    const ok = await call("mcp_crm_create_note", args, "note-once");
    expect(ok.isError).toBeFalsy();
    expect(textOf(ok)).toBe("Note 1 added to C-7.");
    // The same key replays the stored result; a new call needs a new approval.
    expect(textOf(await call("mcp_crm_create_note", args, "note-once"))).toBe(
      "Note 1 added to C-7.",
    );
    expect(errorOf(await call("mcp_crm_create_note", args)).code).toBe("approval_required");
    expect(crm.callsOf("create_note")).toHaveLength(1);
  });

  it("the_privileged_tool_needs_an_approver", async () => {
    const args = { customer_id: "C-9" };
    expect(errorOf(await call("mcp_crm_purge_customer", args)).code).toBe("approval_required");
    const who = await demoPrincipal("alice");
    await expect(
      approveCall(who, "mcp_crm_purge_customer", args, { tools: catalogTools(), approver: who }),
    ).rejects.toThrow(/Approver/);
    expect(crm.callsOf("purge_customer")).toHaveLength(0);

    await approveCall(who, "mcp_crm_purge_customer", args, { tools: catalogTools() }); // carol
    const result = await call("mcp_crm_purge_customer", args);
    expect(textOf(result)).toBe("Purged C-9.");
    expect(crm.callsOf("purge_customer")).toHaveLength(1);
  });

  it("the_upstream_sees_our_configured_key_and_never_the_caller_s_token", () => {
    const posts = authorizations(crm, "tools/call");
    expect(posts.length).toBeGreaterThan(0);
    expect(new Set(authorizations(crm))).toEqual(new Set([`Bearer ${CRM_KEY}`]));
    expect(JSON.stringify([crm.seen, ops.seen])).not.toContain(aliceToken);
  });

  it("an_upstream_is_error_result_is_a_provider_error_with_its_text_not_retriable", async () => {
    crm.failing.set("lookup_customer", "Customer C-404 does not exist.");
    try {
      const err = errorOf(await call("mcp_crm_lookup_customer", { customer_id: "C-404" }));
      expect(err).toMatchObject({
        code: "provider_error",
        retriable: false,
        provider: "mcp:crm",
        message: "lookup_customer on the mcp:crm MCP server failed: Customer C-404 does not exist.",
      });
    } finally {
      crm.failing.delete("lookup_customer");
    }
  });

  it("a_429_is_rate_limited_with_retry_after_and_a_5xx_a_retriable_provider_error", async () => {
    crm.refuse = (r) =>
      r.rpc === "tools/call"
        ? new Response("slow down", { status: 429, headers: { "retry-after": "17" } })
        : undefined;
    try {
      expect(errorOf(await call("mcp_crm_lookup_customer", { customer_id: "C-1" }))).toMatchObject({
        code: "rate_limited",
        retry_after_seconds: 17,
        provider: "mcp:crm",
      });
      crm.refuse = (r) =>
        r.rpc === "tools/call" ? new Response("boom", { status: 503 }) : undefined;
      const before = crm.seen.filter((r) => r.rpc === "tools/call").length;
      // A write that got a 5xx is reported retriable, but never repeated by us within the call.
      const who = await demoPrincipal("alice");
      const args = { customer_id: "C-2", text: "x" };
      await approveCall(who, "mcp_crm_create_note", args, { tools: catalogTools() });
      expect(errorOf(await call("mcp_crm_create_note", args))).toMatchObject({
        code: "provider_error",
        retriable: true,
        message: "The mcp:crm MCP server answered HTTP 503.",
      });
      expect(crm.seen.filter((r) => r.rpc === "tools/call").length).toBe(before + 1);
    } finally {
      crm.refuse = undefined;
    }
  });

  it("a_call_past_the_backend_s_timeout_is_a_timeout", async () => {
    const started = Date.now();
    expect(errorOf(await call("mcp_crm_slow_report", {})).code).toBe("timeout");
    // The budget (2 s), not the upstream (10 s), ended it.
    expect(Date.now() - started).toBeLessThan(6_000);
  });

  it("a_401_renews_the_app_token_once_and_retries_then_session_expired", async () => {
    // Listing already renewed once: token 1 was refused, token 2 listed.
    expect(tokenRequests.map((f) => f.get("client_secret"))).toEqual([OPS_SECRET, OPS_SECRET]);
    expect(authorizations(ops, "tools/list")).toEqual(["Bearer ops-app-token-2"]);

    ops.refuse = (r) =>
      r.headers.authorization === "Bearer ops-app-token-2" ? unauthorized() : undefined;
    const ok = await call("mcp_ops_lookup_customer", { customer_id: "C-3" });
    expect(ok.structuredContent).toEqual({ id: "C-3", name: "Priya Shah", tier: "gold" });
    expect(tokenRequests).toHaveLength(3);
    expect(ops.callsOf("lookup_customer").map((r) => r.headers.authorization)).toEqual([
      "Bearer ops-app-token-3",
    ]);

    ops.refuse = () => unauthorized();
    const err = errorOf(await call("mcp_ops_lookup_customer", { customer_id: "C-3" }));
    expect(err).toMatchObject({ code: "session_expired", retriable: true, provider: "mcp:ops" });
    // One renewal per call, not a loop: exactly one more token, and no call reached the tool.
    expect(tokenRequests).toHaveLength(4);
    expect(ops.callsOf("lookup_customer")).toHaveLength(1);
    ops.refuse = undefined;
  });

  it("every_call_wrote_an_audit_row_naming_the_upstream_tool", async () => {
    // Tool calls only (the approvals' own rows — requested, approved — are not calls).
    const rows = (await auditRows(s.db)).filter(
      (r) => r.tool.startsWith("mcp_") && !/^approval_(requested|approved)$/.test(r.outcome),
    );
    const outcomes = rows.map((r) => `${r.tool} ${r.risk} ${r.outcome}`);
    expect(outcomes).toEqual([
      "mcp_crm_lookup_customer read ok",
      "mcp_crm_lookup_customer read invalid_arguments",
      "mcp_crm_create_note write approval_required",
      "mcp_crm_create_note write ok",
      "mcp_crm_create_note write replayed",
      "mcp_crm_create_note write approval_required",
      "mcp_crm_purge_customer privileged approval_required",
      "mcp_crm_purge_customer privileged ok",
      "mcp_crm_lookup_customer read provider_error",
      "mcp_crm_lookup_customer read rate_limited",
      "mcp_crm_create_note write provider_error",
      "mcp_crm_slow_report read timeout",
      "mcp_ops_lookup_customer read ok",
      "mcp_ops_lookup_customer read session_expired",
    ]);
    expect(new Set(rows.map((r) => getTool(r.tool)?.provider))).toEqual(
      new Set(["mcp:crm", "mcp:ops"]),
    );
  });

  it("no_secret_reaches_the_logs", () => {
    const all = [...logs.lines, ...logs.console].join("\n");
    expect(all).toContain("tool source could not be loaded"); // the down upstream was logged
    for (const secret of [CRM_KEY, OPS_SECRET, aliceToken, "ops-app-token-"])
      expect(all).not.toContain(secret);
  });
});

import { randomUUID } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as connectLinkRoute } from "@/app/api/composio/connect-link/route";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { findDemoUser } from "@/lib/identity/local-idp/users";
import { catalogTools, loadCatalog } from "@/mcp-server/catalog";
import { configuredToolSources } from "@/mcp-server/catalog/configured-sources";
import { setToolSources } from "@/mcp-server/catalog/sources";
import { createConnectToken } from "@/mcp-server/connections/connect-token";
import { META } from "@/mcp-server/describe";
import { resetComposioSdk } from "@/mcp-server/providers/composio/client";
import { createComposioConnectToken } from "@/mcp-server/providers/composio/connect-link";
import {
  approveCall,
  auditRows,
  bearer,
  errorOf,
  startMcpServer,
  type McpTestServer,
} from "../../server/harness";
import { API_KEY, COMPOSIO_ENV, createComposioFake } from "./fake";

/**
 * Composio through the real /api/mcp route (approval ledger, audit) and the connect page's server
 * route, against the HTTP fake of Composio's API.
 */
const fake = createComposioFake();
// The MCP client talks to our loopback server with fetch as it was before msw patched it (msw's
// pass-through does not carry the MCP transport's streams); server-side calls to Composio still
// go through the patched fetch and reach the fake.
const realFetch = globalThis.fetch;

async function mcpClient(url: string, headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: "fac-tests", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers }, fetch: realFetch }),
  );
  return client;
}
let s: McpTestServer;
const alice = findDemoUser("alice")!;
const bob = findDemoUser("bob")!;
const TOOL = "composio_github_create_an_issue";
const args = { owner: "contoso", repo: "cars", title: "Brake light stays on" };

beforeAll(async () => {
  fake.listen();
  s = await startMcpServer({ env: { ...COMPOSIO_ENV, MCP_RATE_LIMIT_PER_MINUTE: "10000" } });
  resetComposioSdk();
  setToolSources(configuredToolSources());
  await loadCatalog();
});
afterAll(async () => {
  setToolSources([]);
  resetComposioSdk();
  await s?.close();
  fake.server.close();
});

async function callAs(username: string, approve: boolean): Promise<CallToolResult> {
  const client = await mcpClient(s.mcpUrl, bearer(await mintLocalAccessToken({ username })));
  if (approve) await approveCall(username, TOOL, args, { tools: catalogTools() });
  const result = (await client.callTool({
    name: TOOL,
    arguments: args,
    _meta: { [META.idempotencyKey]: `composio-${randomUUID()}` },
  })) as CallToolResult;
  await client.close();
  return result;
}

function linkRequest(body: unknown, headers: Record<string, string> = {}): Request {
  return new Request(`${s.url}/api/composio/connect-link`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: s.url, ...headers },
    body: JSON.stringify(body),
  });
}

describe("Composio through /api/mcp", () => {
  it("an_approved_call_runs_at_composio_for_the_caller_and_is_audited", async () => {
    fake.connect(alice.oid, "github");
    const client = await mcpClient(
      s.mcpUrl,
      bearer(await mintLocalAccessToken({ username: "alice" })),
    );
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining([TOOL, "composio_slack_send_message"]),
    );
    await client.close();

    const result = await callAs("alice", true);
    expect(result.isError).toBeFalsy();
    expect(JSON.parse((result.content[0] as { text: string }).text)).toEqual({
      ok: true,
      echo: args,
    });
    const created = fake.requests("/api/v3.1/tool_router/session");
    expect(created.at(-1)!.body).toMatchObject({ user_id: alice.oid });
    expect(fake.requests(/\/execute$/).at(-1)).toMatchObject({
      apiKey: API_KEY,
      body: { tool_slug: "GITHUB_CREATE_AN_ISSUE", arguments: args },
    });
    const rows = (await auditRows(s.db)).filter((r) => r.tool === TOOL);
    expect(rows.at(-1)).toMatchObject({ userId: alice.oid, outcome: "ok", risk: "write" });
  });

  it("a_write_call_without_approval_never_reaches_composio", async () => {
    fake.reset();
    const result = await callAs("alice", false);
    expect(errorOf(result).code).toBe("approval_required");
    expect(fake.requests(/\/execute$/)).toHaveLength(0);
  });
});

describe("connecting a toolkit through the connect page's route", () => {
  let connectUrl: string;
  let token: string;

  it("an_unconnected_user_gets_auth_required_with_this_app_s_connect_page", async () => {
    const err = errorOf(await callAs("bob", true));
    expect(err).toMatchObject({ code: "auth_required", provider: "composio", retriable: true });
    connectUrl = err.connect_url!;
    const url = new URL(connectUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${s.url}/connect/composio`);
    const fragment = new URLSearchParams(url.hash.slice(1));
    expect(fragment.get("toolkit")).toBe("github");
    token = fragment.get("token")!;
    const rows = (await auditRows(s.db)).filter((r) => r.tool === TOOL);
    expect(rows.at(-1)).toMatchObject({ userId: bob.oid, outcome: "auth_required" });
  });

  it("the_route_answers_composio_s_connect_link_for_the_token_s_user", async () => {
    fake.reset();
    const res = await connectLinkRoute(linkRequest({ token }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      url: "https://connect.composio.dev/link/ln_fake1",
      toolkit: "github",
      username: bob.preferredUsername,
    });
    // On bob's own session: the link is for his Composio user only.
    const link = fake.requests(/\/link$/)[0]!;
    const sessionId = link.path.split("/")[5]!;
    expect(fake.sessions.get(sessionId)?.userId).toBe(bob.oid);
    expect(link).toMatchObject({
      method: "POST",
      apiKey: API_KEY,
      body: {
        toolkit: "github",
        callback_url: `${s.url}/connect/composio/done?toolkit=github`,
      },
    });
  });

  it("with_another_user_s_bearer_the_token_is_refused_and_composio_is_not_asked", async () => {
    fake.reset();
    const other = await mintLocalAccessToken({ username: "alice" });
    const res = await connectLinkRoute(linkRequest({ token }, bearer(other)));
    expect(res.status).toBe(403);
    expect(fake.seen).toHaveLength(0);
    // The user's own bearer alongside is fine.
    const own = await mintLocalAccessToken({ username: "bob" });
    expect((await connectLinkRoute(linkRequest({ token }, bearer(own)))).status).toBe(200);
  });

  it("tokens_that_are_not_composio_connect_links_for_now_are_refused", async () => {
    fake.reset();
    const gmail = await createConnectToken({
      userId: bob.oid,
      provider: "gmail",
      username: bob.username,
    });
    const stale = await createComposioConnectToken(
      { userId: bob.oid, username: bob.username, toolkit: "github" },
      new Date(Date.now() - 3_600_000),
    );
    const tampered = `${token.slice(0, -4)}AAAA`;
    for (const t of [gmail, stale, tampered]) {
      const res = await connectLinkRoute(linkRequest({ token: t }));
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
    }
    expect((await connectLinkRoute(linkRequest({}))).status).toBe(401);
    const notConfigured = await createComposioConnectToken({
      userId: bob.oid,
      username: bob.username,
      toolkit: "gmail",
    });
    expect((await connectLinkRoute(linkRequest({ token: notConfigured }))).status).toBe(404);
    expect(fake.seen).toHaveLength(0);
  });

  it("a_cross_site_request_is_refused", async () => {
    const res = await connectLinkRoute(
      linkRequest({ token }, { origin: "https://evil.example", "sec-fetch-site": "cross-site" }),
    );
    expect(res.status).toBe(403);
  });

  it("once_connected_at_composio_the_retried_call_succeeds", async () => {
    fake.connect(bob.oid, "github"); // what finishing Composio's Connect Link does
    const result = await callAs("bob", true);
    expect(result.isError).toBeFalsy();
    const rows = (await auditRows(s.db)).filter((r) => r.tool === TOOL);
    expect(rows.at(-1)).toMatchObject({ userId: bob.oid, outcome: "ok" });
  });
});

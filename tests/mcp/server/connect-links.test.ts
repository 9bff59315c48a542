import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { tokenOfConnectUrl, verifyConnectToken } from "@/mcp-server/connections/connect-token";
import { bearer, errorOf, mcpClient, startMcpServer, type McpTestServer } from "./harness";

/**
 * A connect link lets its holder connect a provider to someone's account, so it must never show
 * up in a request line or access log (the dev server's request log once printed one): the token
 * rides in the fragment, which browsers do not send.
 */
describe("connect links", () => {
  let s: McpTestServer;
  beforeAll(async () => {
    s = await startMcpServer({ env: { MCP_RATE_LIMIT_PER_MINUTE: "1000" } });
  });
  afterAll(async () => s?.close());

  async function expectTokenOnlyInFragment(link: string, provider: string): Promise<void> {
    const url = new URL(link);
    expect(url.origin).toBe(s.url);
    expect(url.pathname).toBe(`/connect/${provider}`);
    expect(url.search).toBe("");
    const token = tokenOfConnectUrl(link)!;
    expect(await verifyConnectToken(token, provider)).toBeTruthy();
    expect(`${url.origin}${url.pathname}${url.search}`).not.toContain(token.slice(0, 20));
  }

  it("connect_links_carry_no_token_in_path_or_query", async () => {
    const client = await mcpClient(
      s.mcpUrl,
      bearer(await mintLocalAccessToken({ username: "alice" })),
    );
    // auth_required on a tool of a provider alice has not connected…
    const required = errorOf(
      (await client.callTool({
        name: "gmail_search_emails",
        arguments: { query: "invoice" },
      })) as never,
    );
    expect(required.code).toBe("auth_required");
    await expectTokenOnlyInFragment(required.connect_url!, "gmail");
    // …and the status tool's links for every provider.
    const status = await client.callTool({ name: "provider_connection_status", arguments: {} });
    const { providers } = status.structuredContent as {
      providers: { provider: string; connectUrl?: string }[];
    };
    expect(providers.length).toBeGreaterThan(0);
    for (const p of providers) {
      expect(p.connectUrl, p.provider).toBeTruthy();
      await expectTokenOnlyInFragment(p.connectUrl!, p.provider);
    }
    await client.close();
  });
});

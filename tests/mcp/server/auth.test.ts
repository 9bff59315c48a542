import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintLocalAccessToken, mintLocalAppAccessToken } from "@/lib/identity/local-idp/tokens";
import { createApiKey, revokeApiKey } from "@/mcp-server/keys/store";
import { APP_ROLES } from "@/mcp-server/policy";
import { bearer, mcpClient, startMcpServer, type McpTestServer } from "./harness";
import { forgedToken, tamperedToken, unsignedToken } from "./tokens";

let s: McpTestServer;
beforeAll(async () => {
  s = await startMcpServer();
});
afterAll(async () => s?.close());

const INIT = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-11-25",
    capabilities: {},
    clientInfo: { name: "t", version: "1" },
  },
};

function post(headers: Record<string, string>, body: unknown = INIT): Promise<Response> {
  return fetch(s.mcpUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

/** fetch() cannot send another Host; node:http can. Returns the status. */
function rawPost(host: string, token: string): Promise<number> {
  const url = new URL(s.mcpUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        headers: {
          host,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(INIT));
  });
}

/** Parses `Bearer k="v", …` into its auth-params. */
function challenge(res: Response): Record<string, string> {
  const header = res.headers.get("www-authenticate") ?? "";
  expect(header).toMatch(/^Bearer /);
  return Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

describe("authentication on /api/mcp", () => {
  it("answers a request without credentials with 401 and a challenge pointing at the metadata", async () => {
    const res = await post({});
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const c = challenge(res);
    expect(c.resource_metadata).toBe(`${s.url}/.well-known/oauth-protected-resource/api/mcp`);
    expect(c.scope).toMatch(/^api:\/\/.+\/access_as_user$/);
    expect(c.error).toBeUndefined();
    expect((await res.json()).code).toBe("unauthenticated");
  });

  it.each([
    [
      "an expired token",
      () => forgedToken({ claims: { exp: Math.floor(Date.now() / 1000) - 120 } }),
      /expired/,
    ],
    [
      "a token for another audience",
      () => forgedToken({ claims: { aud: "api://someone-else" } }),
      /audience/,
    ],
    [
      "a token from another issuer",
      () => forgedToken({ claims: { iss: "https://evil.example.com/tenant/v2.0" } }),
      /issuer/,
    ],
    ["a token signed by another key", () => forgedToken({ foreignKey: true }), /signature|key/],
    ["a token whose payload was changed", () => tamperedToken(), /signature/],
    ["an unsigned (alg none) token", () => unsignedToken(), /algorithm/],
    ["a malformed Authorization header", async () => "not a jwt at all", /malformed/],
  ])("refuses %s with 401 invalid_token", async (_label, make, description) => {
    const res = await post(bearer(await make()));
    expect(res.status).toBe(401);
    const c = challenge(res);
    expect(c.error).toBe("invalid_token");
    expect(c.error_description).toMatch(description);
    expect(c.resource_metadata).toBe(`${s.url}/.well-known/oauth-protected-resource/api/mcp`);
  });

  it("refuses a user token without the access_as_user scope with 403 insufficient_scope", async () => {
    const res = await post(
      bearer(await mintLocalAccessToken({ username: "alice", scopes: ["User.Read"] })),
    );
    expect(res.status).toBe(403);
    const c = challenge(res);
    expect(c.error).toBe("insufficient_scope");
    expect(c.scope).toMatch(/access_as_user$/);
    expect(c.resource_metadata).toBeDefined();
  });

  it("accepts a delegated user token and an app-only token with roles", async () => {
    const user = await mcpClient(
      s.mcpUrl,
      bearer(await mintLocalAccessToken({ username: "alice" })),
    );
    expect(user.getServerVersion()?.name).toBe("foundry-agent-chat");
    await user.close();
    const appToken = await mintLocalAppAccessToken({
      appId: "foundry-agent",
      roles: [APP_ROLES.read],
    });
    const app = await mcpClient(s.mcpUrl, bearer(appToken));
    const tools = (await app.listTools()).tools;
    expect(tools.length).toBeGreaterThan(0);
    expect(tools.every((t) => t._meta?.["io.foundry-agent-chat/risk"] === "read")).toBe(true);
    await app.close();
  });
});

describe("key-based access", () => {
  it("works with a valid key, refuses a wrong or revoked one", async () => {
    const { key } = await createApiKey({
      name: "foundry-key",
      kind: "app",
      roles: [APP_ROLES.read],
    });
    expect(key).toMatch(/^fac_mcp_[A-Za-z0-9_-]{43}$/);
    const client = await mcpClient(s.mcpUrl, { "x-api-key": key });
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await client.close();

    const wrong = await post({ "x-api-key": `${key.slice(0, -2)}xx` });
    expect(wrong.status).toBe(401);
    expect(challenge(wrong).error).toBe("invalid_token");
    expect((await post({ "x-api-key": "" })).status).toBe(401);

    await revokeApiKey("foundry-key");
    expect((await post({ "x-api-key": key })).status).toBe(401);
  });

  it("stores only the key's sha256", async () => {
    const { key } = await createApiKey({ name: "hash-check", kind: "app", roles: [] });
    const dump = JSON.stringify(await s.db.db.execute("select * from mcp_api_keys"));
    expect(dump).not.toContain(key);
    expect(dump).toContain((await import("@/mcp-server/keys/store")).hashApiKey(key));
  });
});

describe("transport guards", () => {
  it("refuses a foreign Origin and a rebinding Host with 403, before looking at credentials", async () => {
    const token = await mintLocalAccessToken({ username: "alice" });
    const origin = await post({ ...bearer(token), origin: "https://evil.example.com" });
    expect(origin.status).toBe(403);
    expect((await origin.json()).code).toBe("forbidden");
    expect((await post({ origin: "https://evil.example.com" })).status).toBe(403);
    const ok = await post({ ...bearer(token), origin: s.url });
    expect(ok.status).toBe(200);
    expect(await rawPost("evil.example.com", token)).toBe(403);
    expect(await rawPost(new URL(s.url).host, token)).toBe(200);
  });

  it("answers GET and DELETE with 405 (stateless: no standalone stream, no session)", async () => {
    const token = await mintLocalAccessToken({ username: "alice" });
    for (const method of ["GET", "DELETE"]) {
      const res = await fetch(s.mcpUrl, {
        method,
        headers: { ...bearer(token), accept: "text/event-stream" },
      });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
    }
    expect((await fetch(s.mcpUrl, { method: "GET" })).status).toBe(401);
  });

  it("returns the correlation id on every answer", async () => {
    const res = await post(bearer(await mintLocalAccessToken({ username: "alice" })));
    expect(res.headers.get("x-correlation-id")).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe("Protected Resource Metadata (RFC 9728)", () => {
  it("names the resource, the authorization server, the scope and header bearer tokens", async () => {
    const res = await fetch(`${s.url}/.well-known/oauth-protected-resource/api/mcp`);
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc).toEqual({
      resource: s.mcpUrl,
      authorization_servers: [
        expect.stringMatching(new RegExp(`^${s.url}/local-idp/[0-9a-f-]+/v2\\.0$`)),
      ],
      scopes_supported: [expect.stringMatching(/^api:\/\/.+\/access_as_user$/)],
      bearer_methods_supported: ["header"],
      resource_name: expect.any(String),
    });
  });
});

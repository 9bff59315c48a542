import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ToolError } from "@/mcp-server/catalog/types";
import { clearOutboundTokens, outboundAuth } from "@/mcp-server/providers/outbound-auth";
import { principal } from "../tools/helpers";

const TOKEN_URL = "https://login.example.test/tenant/oauth2/v2.0/token";
const requests: { contentType: string | null; form: URLSearchParams; auth: string | null }[] = [];
let answer: () => Response = () =>
  HttpResponse.json({
    access_token: `app-token-${requests.length}`,
    token_type: "Bearer",
    expires_in: 3600,
  });

const server = setupServer(
  http.post(TOKEN_URL, async ({ request }) => {
    requests.push({
      contentType: request.headers.get("content-type"),
      form: new URLSearchParams(await request.text()),
      auth: request.headers.get("authorization"),
    });
    return answer();
  }),
);
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  requests.length = 0;
  clearOutboundTokens();
});
afterAll(() => server.close());

const alice = principal("alice");
const cc = () =>
  outboundAuth("crm", {
    type: "client_credentials",
    tokenUrl: TOKEN_URL,
    clientId: "crm-client",
    secret: "cc-secret-value",
    scope: "api://crm/.default",
  });

describe("outbound auth to configured backends", () => {
  it("api_key_sends_the_configured_header_and_never_the_caller_s_token", async () => {
    const auth = outboundAuth("crm", {
      type: "api_key",
      header: "X-API-Key",
      prefix: "",
      secret: "k-123",
    });
    expect(await auth.headers(alice)).toEqual({ "X-API-Key": "k-123" });
    const bearer = outboundAuth("gh", {
      type: "api_key",
      header: "Authorization",
      prefix: "Bearer ",
      secret: "ghp",
    });
    expect(await bearer.headers(alice)).toEqual({ Authorization: "Bearer ghp" });
    expect(JSON.stringify(await bearer.headers(alice))).not.toContain(alice.token);
  });

  it("client_credentials_posts_the_documented_form_and_reuses_the_token_until_renewed", async () => {
    const auth = cc();
    expect(await auth.headers(alice)).toEqual({ authorization: "Bearer app-token-1" });
    expect(await auth.headers(principal("bob"))).toEqual({ authorization: "Bearer app-token-1" });
    expect(requests).toHaveLength(1);
    const [req] = requests;
    expect(req!.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(Object.fromEntries(req!.form)).toEqual({
      grant_type: "client_credentials",
      client_id: "crm-client",
      client_secret: "cc-secret-value",
      scope: "api://crm/.default",
    });
    expect(await auth.headers(alice, { renew: true })).toEqual({
      authorization: "Bearer app-token-2",
    });
    expect(requests).toHaveLength(2);
  });

  it("concurrent_calls_share_one_token_request", async () => {
    const auth = cc();
    await Promise.all([auth.headers(alice), auth.headers(alice), auth.headers(alice)]);
    expect(requests).toHaveLength(1);
  });

  it("a_refused_client_is_a_provider_error_that_names_the_oauth_error_but_not_the_secret", async () => {
    answer = () =>
      HttpResponse.json(
        { error: "invalid_client", error_description: "bad secret cc-secret-value" },
        { status: 401 },
      );
    try {
      const err = await cc()
        .headers(alice)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ToolError);
      expect((err as ToolError).code).toBe("provider_error");
      expect((err as ToolError).details.retriable).toBe(false);
      expect((err as ToolError).message).toContain("invalid_client");
      expect((err as ToolError).message).not.toContain("cc-secret-value");
      // A failed fetch is not cached: the next call asks again.
      answer = () =>
        HttpResponse.json({ access_token: "later", token_type: "Bearer", expires_in: 3600 });
      expect(await cc().headers(alice)).toEqual({ authorization: "Bearer later" });
    } finally {
      answer = () =>
        HttpResponse.json({
          access_token: `app-token-${requests.length}`,
          token_type: "Bearer",
          expires_in: 3600,
        });
    }
  });

  it("obo_refuses_applications", async () => {
    const auth = outboundAuth("crm", { type: "obo", scope: "api://crm/.default" });
    const err = await auth.headers(principal("svc", { kind: "app" })).catch((e: unknown) => e);
    expect((err as ToolError).code).toBe("forbidden");
  });
});

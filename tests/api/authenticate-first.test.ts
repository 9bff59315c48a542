import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app";

/**
 * Regression (security review): without a token, routes answered 415/400/413/404 — they parsed
 * the request before asking who sent it. Every route that acts for a user now authenticates
 * first, so whatever the body, id or content type, the answer is 401 with a challenge.
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => app?.close());

const badId = "not%20an%20id";
const uuid = "3f1c2b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f";

/** Every route × method that needs a signed-in user (or, for connect, a connect token). */
const userRoutes: [string, string][] = [
  ["GET", "/api/agents"],
  ["GET", "/api/tools"],
  ["GET", "/api/conversations"],
  ["POST", "/api/conversations"],
  ["GET", `/api/conversations/${badId}`],
  ["PATCH", `/api/conversations/${badId}`],
  ["DELETE", `/api/conversations/${badId}`],
  ["PATCH", `/api/conversations/${uuid}`],
  ["POST", `/api/conversations/${badId}/messages`],
  ["POST", `/api/conversations/${uuid}/messages`],
  ["GET", `/api/conversations/${badId}/events?after=x`],
  ["POST", `/api/conversations/${badId}/cancel`],
  ["POST", `/api/conversations/${badId}/consents/${badId}/continue`],
  ["POST", `/api/conversations/${badId}/retry-tool`],
  ["GET", "/api/approvals?scope=nonsense"],
  ["GET", "/api/approvals/events?after=x"],
  ["GET", `/api/approvals/${badId}`],
  ["POST", `/api/approvals/${badId}/decision`],
  ["POST", `/api/approvals/${uuid}/decision`],
  ["GET", "/api/connections"],
  ["POST", "/api/connections/no-such-provider"],
  ["POST", "/api/connections/twilio"],
  ["DELETE", "/api/connections/no-such-provider"],
  ["POST", "/api/connections/no-such-provider/preview"],
  ["POST", "/api/connections/twilio/preview"],
  ["DELETE", `/api/connections/consents/${badId}`],
  ["GET", "/api/admin/keys"],
  ["POST", "/api/admin/keys"],
  ["DELETE", `/api/admin/keys/${badId}`],
];

/** Requests a parser would refuse: no body, the wrong type, not JSON, far too large. */
const bodies: [string, RequestInit][] = [
  ["no body", {}],
  ["text/plain", { body: "hello", headers: { "content-type": "text/plain" } }],
  ["broken JSON", { body: "{not json", headers: { "content-type": "application/json" } }],
  [
    "oversized",
    {
      body: JSON.stringify({ text: "x".repeat(200_000) }),
      headers: { "content-type": "application/json" },
    },
  ],
];

const cases = userRoutes.flatMap(([method, path]) =>
  (method === "GET" || method === "DELETE" ? bodies.slice(0, 1) : bodies).map(
    ([label, init]) => [method, path, label, init] as const,
  ),
);

describe("authenticate before parsing", () => {
  it.each(cases)(
    "unauthenticated_requests_get_401_before_any_parsing: %s %s (%s)",
    async (method, path, _label, init) => {
      const res = await fetch(`${app.url}${path}`, { method, ...init });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    },
  );

  it("unauthenticated_requests_get_401_before_any_parsing: a malformed bearer is refused first too", async () => {
    const res = await fetch(`${app.url}/api/conversations`, {
      method: "POST",
      headers: { authorization: "Bearer", "content-type": "text/plain" },
      body: "x",
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
  });

  it.each([
    ["GET", "/local-foundry/no/such/route", {}],
    ["DELETE", "/local-foundry/openai/v1/responses", {}],
    [
      "POST",
      "/local-foundry/openai/v1/responses",
      { body: "{not json", headers: { "content-type": "application/json" } },
    ],
    ["POST", "/local-foundry/agents", { body: "x", headers: { "content-type": "text/plain" } }],
    ["GET", "/local-foundry/openai/v1/conversations/%00", {}],
    ["PUT", "/local-foundry/agents/assistant", {}],
    ["PATCH", "/local-foundry/agents/assistant", {}],
  ] as const)(
    "local_agent_service_answers_401_before_404_405_400: %s %s",
    async (method, path, init) => {
      const res = await fetch(`${app.url}${path}`, { method, ...init });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe("Bearer");
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe(
        "authentication_error",
      );
    },
  );

  it("the public routes stay public", async () => {
    for (const path of ["/api/health", "/api/ready", "/api/auth/config"])
      expect((await fetch(`${app.url}${path}`)).status, path).toBe(200);
  });
});

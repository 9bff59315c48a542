import { randomBytes } from "node:crypto";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { resetCredentialCaches } from "@/lib/agents/credentials";
import { resetConfig } from "@/lib/config";
import { resetSealingKey } from "@/lib/secrets/seal";
import type { OpenApiBackendConfig } from "@/lib/tool-backends";
import type { ToolDefinition } from "@/mcp-server/catalog/types";
import { clearOutboundTokens } from "@/mcp-server/providers/outbound-auth";
import { entraDiscovery } from "../../../helpers/entra";
import { ctx, principal, setupMemoryDb, toolError } from "../../tools/helpers";
import { backend, CRM_OPERATIONS, loadTools } from "./helpers";

/**
 * A configured OpenAPI backend's tools against an msw fake of its API (and of the token
 * endpoints its auth uses): the exact HTTP request of every operation, how each answer maps onto
 * the tool contract, and how each kind of outbound auth is sent and renewed.
 */

const BASE = "https://crm.fabrikam.test/crm/v2";
const TOKEN_URL = "https://login.fabrikam.test/tenant/oauth2/v2.0/token";
const TENANT = "11111111-2222-3333-4444-555555555555";
const CLIENT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const AUTHORITY = `https://login.microsoftonline.com/${TENANT}`;
const API_KEY = "crm-key-9f8e7d6c5b4a";
const CLIENT_SECRET = "cc-secret-0a1b2c3d";
const ENTRA_SECRET = "entra-secret-4e5f6a7b";

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}
const seen: Seen[] = [];
const tokenForms: URLSearchParams[] = [];
let reply: (req: Request) => Response | Promise<Response> = () => HttpResponse.json({});
let issued = 0;

const api = http.all(`${BASE}/*`, async ({ request }) => {
  const clone = request.clone();
  seen.push({
    method: request.method,
    url: request.url,
    headers: Object.fromEntries(request.headers),
    body: await clone.text(),
  });
  return reply(request);
});
const appTokens = http.post(TOKEN_URL, async ({ request }) => {
  tokenForms.push(new URLSearchParams(await request.text()));
  issued += 1;
  return HttpResponse.json({
    access_token: `app-token-${issued}`,
    token_type: "Bearer",
    expires_in: 3600,
  });
});
// Entra for On-Behalf-Of (MSAL Node): discovery, then the token endpoint.
const entra = [
  ...entraDiscovery(AUTHORITY),
  http.post(`${AUTHORITY}/oauth2/v2.0/token`, async ({ request }) => {
    tokenForms.push(new URLSearchParams(await request.text()));
    issued += 1;
    return HttpResponse.json({
      token_type: "Bearer",
      scope: "api://crm/.default",
      expires_in: 3600,
      ext_expires_in: 3600,
      access_token: `obo-token-${issued}`,
    });
  }),
];

const server = setupServer(api, appTokens, ...entra);
// On-Behalf-Of keeps each user's MSAL cache sealed in the database.
setupMemoryDb();
const ENV = {
  ENTRA_TENANT_ID: TENANT,
  ENTRA_API_CLIENT_ID: CLIENT_ID,
  ENTRA_API_CLIENT_SECRET: ENTRA_SECRET,
  DATA_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
};

beforeAll(() => {
  server.listen({ onUnhandledRequest: "error" });
  Object.assign(process.env, ENV);
  resetConfig();
  resetSealingKey();
  resetCredentialCaches();
});
beforeEach(() => {
  seen.length = 0;
  tokenForms.length = 0;
  issued = 0;
  reply = () => HttpResponse.json({});
  clearOutboundTokens();
});
afterAll(() => {
  server.close();
  for (const k of Object.keys(ENV)) delete process.env[k];
  resetConfig();
  resetSealingKey();
  resetCredentialCaches();
});

const apiKey = (): OpenApiBackendConfig =>
  backend({
    baseUrl: BASE,
    auth: { type: "api_key", header: "X-API-Key", prefix: "", secret: API_KEY },
  });
const clientCredentials = (): OpenApiBackendConfig =>
  backend({
    baseUrl: BASE,
    auth: {
      type: "client_credentials",
      tokenUrl: TOKEN_URL,
      clientId: "crm-client",
      secret: CLIENT_SECRET,
      scope: "api://crm/.default",
    },
  });
const obo = (): OpenApiBackendConfig =>
  backend({ baseUrl: BASE, auth: { type: "obo", scope: "api://crm/.default" } });

const alice = principal("alice", { token: "alice-incoming-token" });
const contact = { id: "c1", name: "Ann Lee", email: "ann@example.com", tags: ["vip"] };
const newContact = { name: "Ann Lee", email: "ann@example.com", tags: ["vip"] };
const problem = (status: number, title: string, headers: Record<string, string> = {}) =>
  HttpResponse.json(
    { title, detail: `detail of ${status}` },
    { status, headers: { "content-type": "application/problem+json", ...headers } },
  );

const loaded = new Map<string, Promise<Map<string, ToolDefinition>>>();
async function tool(name: string, config = apiKey()): Promise<ToolDefinition> {
  const key = JSON.stringify(config);
  if (!loaded.has(key)) loaded.set(key, loadTools([config]));
  const t = (await loaded.get(key)!).get(name);
  if (!t) throw new Error(`no tool ${name}`);
  return t;
}

describe("every operation sends the request its OpenAPI operation describes", () => {
  const cases: {
    tool: string;
    input: Record<string, unknown>;
    method: string;
    url: string;
    body?: unknown;
    answer: () => Response;
    result: unknown;
  }[] = [
    {
      tool: "openapi_crm_list_contacts",
      input: { q: "ann lee", tag: ["vip", "north"], limit: 5 },
      method: "GET",
      url: `${BASE}/contacts?q=ann+lee&tag=vip&tag=north&limit=5`,
      answer: () => HttpResponse.json({ items: [contact] }),
      result: { items: [contact] },
    },
    {
      tool: "openapi_crm_create_contact",
      input: { body: newContact },
      method: "POST",
      url: `${BASE}/contacts`,
      body: newContact,
      answer: () => HttpResponse.json(contact, { status: 201 }),
      result: contact,
    },
    {
      tool: "openapi_crm_get_contact",
      input: { contactId: "c/1 ü?" },
      method: "GET",
      url: `${BASE}/contacts/c%2F1%20%C3%BC%3F`,
      answer: () => HttpResponse.json(contact),
      result: contact,
    },
    {
      tool: "openapi_crm_replace_contact",
      input: { contactId: "c1", body: newContact },
      method: "PUT",
      url: `${BASE}/contacts/c1`,
      body: newContact,
      answer: () => HttpResponse.json(contact),
      result: contact,
    },
    {
      tool: "openapi_crm_update_contact_tags",
      input: { contactId: "c1", notify: true, body: { tags: [] } },
      method: "PATCH",
      url: `${BASE}/contacts/c1?notify=true`,
      body: { tags: [] },
      answer: () => HttpResponse.json({ ...contact, tags: [] }),
      result: { ...contact, tags: [] },
    },
    {
      tool: "openapi_crm_delete_contact",
      input: { contactId: "c1" },
      method: "DELETE",
      url: `${BASE}/contacts/c1`,
      answer: () => new HttpResponse(null, { status: 204 }),
      result: {},
    },
    {
      tool: "openapi_crm_issue_refund",
      input: { contactId: "c1", body: { amountCents: 1250, reason: "late delivery" } },
      method: "POST",
      url: `${BASE}/contacts/c1/refunds`,
      body: { amountCents: 1250, reason: "late delivery" },
      answer: () => HttpResponse.json({ id: "rf_1", amountCents: 1250 }, { status: 201 }),
      result: { id: "rf_1", amountCents: 1250 },
    },
    {
      tool: "openapi_crm_export_contacts",
      input: {},
      method: "GET",
      url: `${BASE}/exports/contacts.csv`,
      answer: () =>
        new HttpResponse("id,name\nc1,Ann Lee\n", { headers: { "content-type": "text/csv" } }),
      result: "id,name\nc1,Ann Lee\n",
    },
  ];

  it("the_cases_cover_every_generated_operation", async () => {
    const tools = await loadTools([apiKey()]);
    expect([...tools.keys()].sort()).toEqual([...CRM_OPERATIONS].sort());
    expect(cases.map((c) => c.tool).sort()).toEqual([...CRM_OPERATIONS].sort());
  });

  it.each(cases)(
    "$tool: sends $method with the API key and maps the answer",
    async ({ tool: name, input, method, url, body, answer, result }) => {
      reply = answer;
      const t = await tool(name);
      expect(await t.run(input as never, ctx(alice))).toEqual(result);
      expect(seen).toHaveLength(1);
      const [req] = seen;
      expect(req!.method).toBe(method);
      expect(req!.url).toBe(url);
      expect(req!.headers["x-api-key"]).toBe(API_KEY);
      expect(req!.headers.accept).toBe("application/json");
      // Our credentials only: never the caller's token, nor a header the document did not ask for.
      expect(req!.headers.authorization).toBeUndefined();
      expect(JSON.stringify(req!.headers)).not.toContain(alice.token);
      if (body === undefined) {
        expect(req!.body).toBe("");
        expect(req!.headers["content-type"]).toBeUndefined();
      } else {
        expect(req!.headers["content-type"]).toBe("application/json");
        expect(JSON.parse(req!.body)).toEqual(body);
      }
    },
  );

  it("arguments_are_validated_before_anything_is_sent", async () => {
    const list = await tool("openapi_crm_list_contacts");
    const get = await tool("openapi_crm_get_contact");
    const create = await tool("openapi_crm_create_contact");
    for (const [t, input] of [
      [list, { limit: 0 }],
      [list, { colour: "red" }],
      [create, { body: { name: "No email" } }],
      // A dot segment would address another resource once the URL is normalised.
      [get, { contactId: ".." }],
      [get, { contactId: "." }],
    ] as const)
      expect((await toolError(t, input, ctx(alice))).code).toBe("invalid_arguments");
    expect(seen).toHaveLength(0);
  });
});

describe("answers map onto the tool error contract", () => {
  const failure = async (answer: () => Response, name = "openapi_crm_get_contact") => {
    reply = answer;
    return toolError(await tool(name), { contactId: "c1" }, ctx(alice));
  };

  it("client_errors_map_to_their_codes_with_the_problem_title", async () => {
    for (const [status, code] of [
      [400, "invalid_arguments"],
      [422, "invalid_arguments"],
      [404, "not_found"],
      [409, "conflict"],
      [412, "conflict"],
    ] as const) {
      const err = await failure(() => problem(status, `Problem ${status}`));
      expect(err.code).toBe(code);
      expect(err.message).toBe(`Problem ${status}: detail of ${status}`);
    }
  });

  it("429_is_rate_limited_with_retry_after_in_seconds_or_as_a_date", async () => {
    expect(await failure(() => problem(429, "Slow down", { "retry-after": "17" }))).toMatchObject({
      code: "rate_limited",
      details: { retriable: true, retryAfterSeconds: 17 },
    });
    const at = new Date(Date.now() + 90_000).toUTCString();
    const dated = await failure(() => problem(429, "Slow down", { "retry-after": at }));
    expect(dated.code).toBe("rate_limited");
    expect(dated.details.retryAfterSeconds).toBeGreaterThanOrEqual(88);
    expect(dated.details.retryAfterSeconds).toBeLessThanOrEqual(91);
    expect((await failure(() => problem(429, "Slow down"))).details.retryAfterSeconds).toBe(
      undefined,
    );
  });

  it("5xx_and_network_failures_are_retriable_provider_errors_other_statuses_are_not", async () => {
    for (const status of [500, 502, 503])
      expect(await failure(() => problem(status, "Down"))).toMatchObject({
        code: "provider_error",
        details: { retriable: true },
      });
    expect(await failure(() => HttpResponse.error())).toMatchObject({
      code: "provider_error",
      details: { retriable: true, provider: "openapi:crm" },
    });
    expect(await failure(() => problem(418, "Teapot"))).toMatchObject({
      code: "provider_error",
      details: { retriable: false },
    });
  });

  it("credentials_an_api_echoes_in_its_error_do_not_reach_the_error_message", async () => {
    const err = await failure(() =>
      HttpResponse.json(
        { title: "Bad gateway", detail: `upstream refused key ${API_KEY}` },
        { status: 502 },
      ),
    );
    expect(err.message).toContain("upstream refused key [redacted]");
    expect(err.message).not.toContain(API_KEY);
  });

  it("a_redirect_is_not_followed_so_credentials_never_leave_for_another_host", async () => {
    // onUnhandledRequest "error" would also fail the call if the Location were requested.
    const err = await failure(
      () =>
        new HttpResponse(null, { status: 302, headers: { location: "https://elsewhere.test/x" } }),
    );
    expect(err).toMatchObject({ code: "provider_error", details: { retriable: false } });
    expect(err.message).toMatch(/redirect/);
    expect(seen).toHaveLength(1);
  });

  it("non_json_or_misshapen_answers_are_provider_errors_json_labelled_as_text_is_accepted", async () => {
    const html = await failure(
      () => new HttpResponse("<html>proxy</html>", { headers: { "content-type": "text/html" } }),
    );
    expect(html.code).toBe("provider_error");
    expect(html.message).toContain("text/html instead of JSON");
    const malformed = await failure(
      () => new HttpResponse("{not json", { headers: { "content-type": "application/json" } }),
    );
    expect(malformed.message).toContain("malformed JSON");
    const shape = await failure(() => HttpResponse.json({ id: 7 }));
    expect(shape.message).toContain("unexpected shape");
    reply = () =>
      new HttpResponse(JSON.stringify(contact), { headers: { "content-type": "text/plain" } });
    expect(
      await (await tool("openapi_crm_get_contact")).run({ contactId: "c1" } as never, ctx(alice)),
    ).toEqual(contact);
  });
});

describe("outbound auth on the API's requests", () => {
  it("client_credentials_sends_one_app_token_as_bearer_for_every_user", async () => {
    reply = () => HttpResponse.json(contact);
    const t = await tool("openapi_crm_get_contact", clientCredentials());
    await t.run({ contactId: "c1" } as never, ctx(alice));
    await t.run({ contactId: "c1" } as never, ctx(principal("bob")));
    expect(seen.map((s) => s.headers.authorization)).toEqual([
      "Bearer app-token-1",
      "Bearer app-token-1",
    ]);
    expect(tokenForms).toHaveLength(1);
    expect(Object.fromEntries(tokenForms[0]!)).toEqual({
      grant_type: "client_credentials",
      client_id: "crm-client",
      client_secret: CLIENT_SECRET,
      scope: "api://crm/.default",
    });
  });

  it("a_401_renews_the_token_once_and_retries_and_a_second_401_is_session_expired", async () => {
    let calls = 0;
    reply = () => (++calls === 1 ? problem(401, "Expired") : HttpResponse.json(contact));
    const t = await tool("openapi_crm_get_contact", clientCredentials());
    expect(await t.run({ contactId: "c1" } as never, ctx(alice))).toEqual(contact);
    expect(seen.map((s) => s.headers.authorization)).toEqual([
      "Bearer app-token-1",
      "Bearer app-token-2",
    ]);

    seen.length = 0;
    reply = () => problem(401, "Expired");
    const err = await toolError(t, { contactId: "c1" }, ctx(alice));
    expect(err).toMatchObject({ code: "session_expired", details: { retriable: true } });
    expect(seen).toHaveLength(2); // one renewal, one retry, never more
  });

  it("a_403_is_forbidden_at_once_and_a_rejected_api_key_is_not_retried", async () => {
    reply = () => problem(403, "Missing role");
    const cc = await toolError(
      await tool("openapi_crm_get_contact", clientCredentials()),
      { contactId: "c1" },
      ctx(alice),
    );
    expect(cc).toMatchObject({ code: "forbidden", details: { retriable: false } });
    expect(seen).toHaveLength(1);

    seen.length = 0;
    reply = () => problem(401, "Bad key");
    const key = await toolError(
      await tool("openapi_crm_get_contact"),
      { contactId: "c1" },
      ctx(alice),
    );
    expect(key).toMatchObject({ code: "provider_error", details: { retriable: false } });
    expect(key.message).toContain("API key");
    expect(seen).toHaveLength(1);
  });

  it("obo_sends_a_token_entra_issued_for_the_user_and_a_401_exchanges_the_assertion_again", async () => {
    let calls = 0;
    reply = () => (++calls === 1 ? problem(401, "Revoked") : HttpResponse.json(contact));
    const t = await tool("openapi_crm_get_contact", obo());
    expect(await t.run({ contactId: "c1" } as never, ctx(alice))).toEqual(contact);
    const bearers = seen.map((s) => s.headers.authorization);
    expect(bearers).toHaveLength(2);
    expect(bearers[0]).toMatch(/^Bearer obo-token-\d+$/);
    expect(bearers[1]).toMatch(/^Bearer obo-token-\d+$/);
    expect(bearers[1]).not.toBe(bearers[0]);
    expect(bearers.join()).not.toContain(alice.token);
    expect(tokenForms).toHaveLength(2);
    for (const form of tokenForms) {
      expect(form.get("grant_type")).toBe("urn:ietf:params:oauth:grant-type:jwt-bearer");
      expect(form.get("requested_token_use")).toBe("on_behalf_of");
      expect(form.get("assertion")).toBe(alice.token);
      expect(form.get("client_id")).toBe(CLIENT_ID);
      expect(form.get("scope")?.split(" ")).toContain("api://crm/.default");
    }
    // Next call: MSAL's cached token for the same assertion, no new exchange.
    await t.run({ contactId: "c1" } as never, ctx(alice));
    expect(tokenForms).toHaveLength(2);
    expect(seen[2]!.headers.authorization).toBe(bearers[1]);
  });
});

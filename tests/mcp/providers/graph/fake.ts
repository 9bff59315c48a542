import { randomBytes } from "node:crypto";
import { http, HttpResponse, type HttpResponseResolver } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";
import { resetCredentialCaches } from "@/lib/agents/credentials";
import { resetConfig } from "@/lib/config";
import type { Principal } from "@/lib/identity/principal";
import { resetSealingKey } from "@/lib/secrets/seal";
import { resetBreakers } from "@/mcp-server/resilience";
import { principal } from "../../tools/helpers";
import { entraDiscovery } from "../../../helpers/entra";

/**
 * HTTP-level fakes of Microsoft Entra (login.microsoftonline.com: MSAL's instance discovery,
 * OpenID metadata and the v2 token endpoint) and Microsoft Graph (graph.microsoft.com), with msw
 * intercepting the real requests MSAL Node and the Graph SDK send. Unknown URLs fail the test.
 */

export const TENANT = "11111111-2222-3333-4444-555555555555";
export const CLIENT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
export const CLIENT_SECRET = "graph-api-client-secret-value";
export const DEFAULT_PLAN = "xqQg5FS2LkCp935s-FIFm2QAFkHM";
export const AUTHORITY = `https://login.microsoftonline.com/${TENANT}`;
export const GRAPH = "https://graph.microsoft.com/v1.0";
export const TOKEN_URL = `${AUTHORITY}/oauth2/v2.0/token`;

export const fakeJwt = (claims: object) =>
  [{ alg: "none", typ: "JWT" }, claims]
    .map((p) => Buffer.from(JSON.stringify(p)).toString("base64url"))
    .join(".") + ".sig";

const claimsOf = (jwt: string): Record<string, unknown> => {
  try {
    return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<
      string,
      unknown
    >;
  } catch {
    return {};
  }
};

/** Every token request MSAL sent (form fields), and every access token the fake issued. */
export const tokenRequests: URLSearchParams[] = [];
export const issuedTokens: string[] = [];

/** Entra's documented error answers, served once each by the token endpoint when queued. */
export const entraErrors = {
  consentRequired: {
    status: 400,
    body: {
      error: "invalid_grant",
      error_description:
        "AADSTS65001: The user or administrator has not consented to use the application with ID 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'.",
      error_codes: [65001],
      suberror: "consent_required",
    },
  },
  interactionRequired: {
    status: 400,
    body: {
      error: "interaction_required",
      error_description:
        "AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication.",
      error_codes: [50076],
    },
  },
  invalidAssertion: {
    status: 400,
    body: {
      error: "invalid_grant",
      error_description: "AADSTS50013: Assertion failed signature validation.",
      error_codes: [50013],
    },
  },
  unavailable: {
    status: 503,
    body: {
      error: "temporarily_unavailable",
      error_description: "AADSTS90033: A transient error has occurred. Please try again.",
      error_codes: [90033],
    },
  },
} as const;
export const entraQueue: { status: number; body: object }[] = [];

const refreshTokens = new Map<string, string>();

function tokenResponse(oid: string, scope: string) {
  const now = Math.floor(Date.now() / 1000);
  const access = fakeJwt({
    aud: "https://graph.microsoft.com",
    iat: now,
    exp: now + 3600,
    oid,
    tid: TENANT,
    scp: scope,
    n: issuedTokens.length + 1,
    r: randomBytes(6).toString("hex"),
  });
  issuedTokens.push(access);
  const rt = `rt.${oid}.${randomBytes(8).toString("hex")}`;
  refreshTokens.set(rt, oid);
  return {
    token_type: "Bearer",
    scope: `${scope} openid profile offline_access`,
    expires_in: 3600,
    ext_expires_in: 3600,
    access_token: access,
    refresh_token: rt,
    id_token: fakeJwt({
      aud: CLIENT_ID,
      iss: `${AUTHORITY}/v2.0`,
      iat: now,
      exp: now + 3600,
      oid,
      sub: `pairwise-${oid}`,
      tid: TENANT,
      preferred_username: `${oid}@contoso.example`,
      ver: "2.0",
    }),
    client_info: Buffer.from(JSON.stringify({ uid: oid, utid: TENANT })).toString("base64url"),
  };
}

const entraHandlers = [
  ...entraDiscovery(AUTHORITY),
  http.post(TOKEN_URL, async ({ request }) => {
    const form = new URLSearchParams(await request.text());
    tokenRequests.push(form);
    const queued = entraQueue.shift();
    if (queued) return HttpResponse.json(queued.body, { status: queued.status });
    const scope = (form.get("scope") ?? "")
      .split(" ")
      .filter((s) => s.startsWith("https://graph.microsoft.com/"))
      .join(" ");
    if (form.get("grant_type") === "refresh_token") {
      const oid = refreshTokens.get(form.get("refresh_token") ?? "");
      if (!oid)
        return HttpResponse.json(
          { error: "invalid_grant", error_description: "AADSTS70008: expired" },
          { status: 400 },
        );
      return HttpResponse.json(tokenResponse(oid, scope));
    }
    const oid = claimsOf(form.get("assertion") ?? "").oid;
    return HttpResponse.json(tokenResponse(typeof oid === "string" ? oid : "unknown", scope));
  }),
];

export const server = setupServer(...entraHandlers);

/** What one request to the fake Graph looked like. */
export interface SeenRequest {
  method: string;
  /** Path and query as sent, e.g. /v1.0/planner/tasks/abc */
  path: string;
  headers: Record<string, string>;
  body: unknown;
}
export const graphRequests: SeenRequest[] = [];

async function record(request: Request): Promise<void> {
  const url = new URL(request.url);
  const text = await request.clone().text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  graphRequests.push({
    method: request.method,
    path: `${url.pathname}${url.search}`,
    headers: Object.fromEntries(request.headers.entries()),
    body,
  });
}

type Method = "get" | "post" | "patch" | "delete";

/**
 * Answers `method path` (relative to https://graph.microsoft.com/v1.0) with each responder in
 * turn, then the last one again; every request is recorded in `graphRequests`.
 */
export function onGraph(method: Method, path: string, ...responders: HttpResponseResolver[]) {
  let n = 0;
  server.use(
    http[method](`${GRAPH}${path}`, async (info) => {
      await record(info.request);
      const responder = responders[Math.min(n, responders.length - 1)]!;
      n += 1;
      return responder(info);
    }),
  );
}

/** Graph's error body (`{ error: { code, message, innerError } }`). */
export function graphError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
) {
  return () =>
    HttpResponse.json(
      {
        error: {
          code,
          message,
          innerError: {
            "request-id": "5d7e3c1a-0000-4000-8000-000000000001",
            date: "2030-01-01T00:00:00",
          },
        },
      },
      { status, headers },
    );
}

export const json =
  (body: object, status = 200, headers: Record<string, string> = {}) =>
  () =>
    HttpResponse.json(body, { status, headers });

export const empty = (status: number) => () => new HttpResponse(null, { status });

/** A signed-in Entra user as the MCP server sees them: their API token is the OBO assertion. */
export function entraUser(name: string): Principal {
  const p = principal(name);
  const now = Math.floor(Date.now() / 1000);
  return {
    ...p,
    tenantId: TENANT,
    token: fakeJwt({ aud: CLIENT_ID, tid: TENANT, oid: p.userId, iat: now, exp: now + 3600, name }),
  };
}

const ENV = {
  GRAPH_PROVIDER: "live",
  ENTRA_TENANT_ID: TENANT,
  ENTRA_API_CLIENT_ID: CLIENT_ID,
  ENTRA_API_CLIENT_SECRET: CLIENT_SECRET,
  GRAPH_PLANNER_DEFAULT_PLAN_ID: DEFAULT_PLAN,
  APP_URL: "https://chat.contoso.example",
  DATA_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
} as const;

/**
 * Live Graph configuration with Entra identity for this test file, and the fakes listening.
 * Call at the top of the file, before `setupMemoryDb()` (so its config reset sees this env).
 */
export function setupLiveGraph(extra: Record<string, string> = {}): void {
  const env = { ...ENV, ...extra };
  beforeAll(() => {
    Object.assign(process.env, env);
    resetConfig();
    resetSealingKey();
    resetCredentialCaches();
    server.listen({ onUnhandledRequest: "error" });
  });
  afterEach(() => {
    server.resetHandlers();
    tokenRequests.length = 0;
    graphRequests.length = 0;
    entraQueue.length = 0;
    resetBreakers();
  });
  afterAll(() => {
    server.close();
    for (const k of Object.keys(env)) delete process.env[k];
    resetConfig();
    resetSealingKey();
    resetCredentialCaches();
  });
}

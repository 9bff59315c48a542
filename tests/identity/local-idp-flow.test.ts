import * as oauth from "oauth4webapi";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { LOCAL_SPA_CLIENT_ID, LOCAL_TENANT_ID } from "@/lib/config";
import { processStore } from "@/lib/identity/local-idp/store";
import type { TestServer } from "../helpers/serve";
import { callWithToken, resetAll, useEnv, useMemoryDb } from "./helpers";
import { formTokenIn, serveIdp } from "./idp-server";

let server: TestServer;
let env: ReturnType<typeof useEnv>;
let db: Awaited<ReturnType<typeof useMemoryDb>>;
let as: oauth.AuthorizationServer;
const client: oauth.Client = { client_id: LOCAL_SPA_CLIENT_ID };
const insecure = { [oauth.allowInsecureRequests]: true };

beforeAll(async () => {
  env = useEnv({});
  server = await serveIdp();
  db = await useMemoryDb();
});
afterAll(async () => {
  await db.close();
  await server.close();
  env.restore();
});
beforeEach(async () => {
  resetAll();
  const res = await fetch(`${server.url}/local-idp/.well-known/openid-configuration`);
  as = (await res.json()) as oauth.AuthorizationServer;
});
afterEach(() => vi.useRealTimers());

const redirectUri = () => `${server.url}/auth/callback`;

interface Started {
  verifier: string;
  state: string;
  nonce: string;
  url: URL;
}

async function authorizeUrl(overrides: Record<string, string | null> = {}): Promise<Started> {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const url = new URL(as.authorization_endpoint!);
  const params: Record<string, string | null> = {
    client_id: LOCAL_SPA_CLIENT_ID,
    response_type: "code",
    redirect_uri: redirectUri(),
    scope: `openid profile offline_access api://b2f1d7e4-3c5a-4e8b-9f21-6a0c9d4e1f00/access_as_user`,
    state,
    nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    ...overrides,
  };
  for (const [k, v] of Object.entries(params)) if (v !== null) url.searchParams.set(k, v);
  return { verifier, state, nonce, url };
}

async function signInPage(url: URL): Promise<string> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return res.text();
}

async function submitSignIn(
  formToken: string,
  username: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${server.url}/local-idp/authorize/submit`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: server.url,
      "sec-fetch-site": "same-origin",
      ...headers,
    },
    body: new URLSearchParams({ form_token: formToken, username }),
  });
}

/** authorize → pick a user → the callback URL carrying the code. */
async function signInAs(
  username: string,
  started?: Started,
): Promise<{ started: Started; callback: URL }> {
  const s = started ?? (await authorizeUrl());
  const formToken = formTokenIn(await signInPage(s.url));
  expect(formToken).toBeTruthy();
  const res = await submitSignIn(formToken!, username);
  expect(res.status).toBe(303);
  return { started: s, callback: new URL(res.headers.get("location")!) };
}

async function tokenRequest(
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${server.url}/local-idp/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form),
  });
}

function codeForm(code: string, verifier: string, extra: Record<string, string> = {}) {
  return {
    grant_type: "authorization_code",
    client_id: LOCAL_SPA_CLIENT_ID,
    code,
    code_verifier: verifier,
    redirect_uri: redirectUri(),
    ...extra,
  };
}

describe("local IdP metadata", () => {
  it("publishes Entra-shaped OpenID discovery at both addresses", async () => {
    expect(as).toMatchObject({
      issuer: `${server.url}/local-idp/${LOCAL_TENANT_ID}/v2.0`,
      authorization_endpoint: `${server.url}/local-idp/authorize`,
      token_endpoint: `${server.url}/local-idp/token`,
      jwks_uri: `${server.url}/local-idp/${LOCAL_TENANT_ID}/discovery/v2.0/keys`,
      response_types_supported: ["code"],
      code_challenge_methods_supported: ["S256"],
      id_token_signing_alg_values_supported: ["RS256"],
    });
    // The issuer-relative address, as OIDC clients derive it from `iss`.
    const res = await oauth.discoveryRequest(new URL(as.issuer), {
      ...insecure,
      algorithm: "oidc",
    });
    const viaIssuer = await oauth.processDiscoveryResponse(new URL(as.issuer), res);
    expect(viaIssuer.issuer).toBe(as.issuer);
    expect(
      (
        await fetch(
          `${server.url}/local-idp/some-other-tenant/v2.0/.well-known/openid-configuration`,
        )
      ).status,
    ).toBe(404);
  });

  it("publishes the signing key at the Entra JWKS path and at /local-idp/jwks", async () => {
    const a = await (await fetch(as.jwks_uri!)).json();
    const b = await (await fetch(`${server.url}/local-idp/jwks`)).json();
    expect(a).toEqual(b);
    expect(a.keys).toHaveLength(1);
    expect(a.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
    expect(a.keys[0].d).toBeUndefined();
  });

  it("tells the browser to use the local IdP", async () => {
    const body = await (await fetch(`${server.url}/api/auth/config`)).json();
    expect(body).toMatchObject({
      mode: "local",
      clientId: LOCAL_SPA_CLIENT_ID,
      authority: `${server.url}/local-idp`,
    });
    expect(body.scopes).toContain(body.apiScope);
  });
});

describe("sign-in page", () => {
  it("lists the four demo users with their roles and a one-time form token", async () => {
    const html = await signInPage((await authorizeUrl()).url);
    // Each button is named by its visible text (label in name), not by an aria-label.
    for (const [name, role] of [
      ["Alice Anderson", "User"],
      ["Bob Brown", "User"],
      ["Carol Chen", "Approver"],
      ["Dana Diaz", "Admin"],
    ]) {
      expect(html).toMatch(
        new RegExp(`<span class="sr-only">Sign in as </span>${name}</span>.*?>${role}</span>`),
      );
    }
    expect(html).not.toContain("aria-label=");
    expect(html).toContain('action="/local-idp/authorize/submit"');
    expect(formTokenIn(html)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it.each([
    ["a foreign redirect_uri", { redirect_uri: "https://evil.example/callback" }],
    [
      "a redirect_uri on another loopback port",
      { redirect_uri: "http://127.0.0.1:1/auth/callback" },
    ],
    ["a redirect_uri with a fragment", { redirect_uri: "CALLBACK#x" }],
    // Same origin as the registered /auth/callback, but not that URI: matched exactly, not by origin.
    ["redirect_uri_differing_in_path (another page)", { redirect_uri: "ORIGIN/elsewhere" }],
    ["redirect_uri_differing_in_path (a longer path)", { redirect_uri: "CALLBACK/more" }],
    ["redirect_uri_differing_in_path (a trailing slash)", { redirect_uri: "CALLBACK/" }],
    ["redirect_uri_differing_in_query", { redirect_uri: "CALLBACK?next=/admin" }],
    ["an unknown client_id", { client_id: "someone-else" }],
    ["response_type=token", { response_type: "token" }],
    ["no PKCE challenge", { code_challenge: null }],
    ["the plain PKCE method", { code_challenge_method: "plain" }],
    ["no state", { state: null }],
  ])("shows an error and no form for %s", async (_name, overrides) => {
    const o = Object.fromEntries(
      Object.entries(overrides).map(([k, v]) => [
        k,
        v?.replace("CALLBACK", redirectUri()).replace("ORIGIN", server.url) ?? null,
      ]),
    );
    const html = await signInPage((await authorizeUrl(o)).url);
    expect(html).toContain('role="alert"');
    expect(formTokenIn(html)).toBeUndefined();
    expect(html).not.toContain("evil.example");
  });

  it("accepts the localhost spelling of the app's loopback origin", async () => {
    const uri = `${redirectUri().replace("127.0.0.1", "localhost")}`;
    const started = await authorizeUrl({ redirect_uri: uri });
    const { callback } = await signInAs("alice", started);
    expect(callback.origin).toBe(new URL(uri).origin);
  });

  it("refuses a replayed form token and a cross-site post", async () => {
    const formToken = formTokenIn(await signInPage((await authorizeUrl()).url))!;
    expect(
      (
        await submitSignIn(formToken, "alice", {
          origin: "https://evil.example",
          "sec-fetch-site": "cross-site",
        })
      ).status,
    ).toBe(403);
    expect((await submitSignIn(formToken, "alice")).status).toBe(303);
    const replay = await submitSignIn(formToken, "alice");
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain("expired or was already used");
  });
});

describe("authorization code flow with PKCE", () => {
  it("signs carol in end to end with oauth4webapi, and the API accepts her token", async () => {
    const { started, callback } = await signInAs("carol");
    expect(callback.origin + callback.pathname).toBe(redirectUri());
    expect(callback.searchParams.get("state")).toBe(started.state);
    const params = oauth.validateAuthResponse(as, client, callback, started.state);
    const res = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      params,
      redirectUri(),
      started.verifier,
      insecure,
    );
    expect(res.headers.get("cache-control")).toContain("no-store");
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, res, {
      expectedNonce: started.nonce,
      requireIdToken: true,
    });
    expect(tokens).toMatchObject({ token_type: "bearer", expires_in: 3600 });
    expect(tokens.scope).toContain("access_as_user");
    expect(tokens.refresh_token).toBeTruthy();
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({
      preferred_username: "carol@contoso.local",
      nonce: started.nonce,
      aud: LOCAL_SPA_CLIENT_ID,
    });

    const me = await callWithToken(tokens.access_token);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ username: "carol@contoso.local", roles: ["Approver"] });
  });

  it("refuses a wrong code_verifier, and the code is spent afterwards", async () => {
    const { started, callback } = await signInAs("alice");
    const code = callback.searchParams.get("code")!;
    const wrong = await tokenRequest(codeForm(code, oauth.generateRandomCodeVerifier()));
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: "invalid_grant" });
    expect((await tokenRequest(codeForm(code, started.verifier))).status).toBe(400);
  });

  it("refuses a reused code and revokes the tokens issued from it", async () => {
    const { started, callback } = await signInAs("bob");
    const code = callback.searchParams.get("code")!;
    const first = await tokenRequest(codeForm(code, started.verifier));
    expect(first.status).toBe(200);
    const { refresh_token } = await first.json();
    const again = await tokenRequest(codeForm(code, started.verifier));
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({
      error: "invalid_grant",
      error_description: expect.stringContaining("already used"),
    });
    const refresh = await tokenRequest({
      grant_type: "refresh_token",
      client_id: LOCAL_SPA_CLIENT_ID,
      refresh_token,
    });
    expect(await refresh.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("replayed_code_gives_invalid_grant_and_revokes_the_access_token_issued_from_it", async () => {
    const { started, callback } = await signInAs("alice");
    const code = callback.searchParams.get("code")!;
    const first = await tokenRequest(codeForm(code, started.verifier));
    expect(first.status).toBe(200);
    const { access_token } = await first.json();
    expect((await callWithToken(access_token)).status).toBe(200);

    const again = await tokenRequest(codeForm(code, started.verifier));
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: "invalid_grant" });

    const refused = await callWithToken(access_token);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toContain("revoked");
    // Another replica has none of this process's memory: the revocation is in the database.
    processStore("revoked-grants").clear();
    expect((await callWithToken(access_token)).status).toBe(401);
    // Other sign-ins are untouched.
    const other = await signInAs("alice");
    const fresh = await (
      await tokenRequest(codeForm(other.callback.searchParams.get("code")!, other.started.verifier))
    ).json();
    expect((await callWithToken(fresh.access_token)).status).toBe(200);
  });

  it("refuses a code redeemed with another redirect_uri or client", async () => {
    const { started, callback } = await signInAs("alice");
    const code = callback.searchParams.get("code")!;
    const res = await tokenRequest(
      codeForm(code, started.verifier, { redirect_uri: `${server.url}/elsewhere` }),
    );
    expect(await res.json()).toMatchObject({ error: "invalid_grant" });

    const second = await signInAs("alice");
    const other = await tokenRequest(
      codeForm(second.callback.searchParams.get("code")!, second.started.verifier, {
        client_id: "other",
      }),
    );
    expect(other.status).toBe(400);
    expect(await other.json()).toMatchObject({ error: "invalid_client" });
  });

  it("expires codes after 60 seconds", async () => {
    const { started, callback } = await signInAs("alice");
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 61_000 });
    const res = await tokenRequest(codeForm(callback.searchParams.get("code")!, started.verifier));
    expect(await res.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("rotates refresh tokens and revokes the sign-in when an old one is replayed", async () => {
    const { started, callback } = await signInAs("dana");
    const first = await (
      await tokenRequest(codeForm(callback.searchParams.get("code")!, started.verifier))
    ).json();
    const refresh = (rt: string) =>
      tokenRequest({
        grant_type: "refresh_token",
        client_id: LOCAL_SPA_CLIENT_ID,
        refresh_token: rt,
      });

    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    const rotated = await second.json();
    expect(rotated.refresh_token).not.toBe(first.refresh_token);
    expect((await callWithToken(rotated.access_token)).status).toBe(200);

    expect(await (await refresh(first.refresh_token)).json()).toMatchObject({
      error: "invalid_grant",
    });
    // The replay ended the whole sign-in: the current refresh token is dead too, and so are the
    // access tokens issued in it.
    expect(await (await refresh(rotated.refresh_token)).json()).toMatchObject({
      error: "invalid_grant",
    });
    expect((await callWithToken(rotated.access_token)).status).toBe(401);
    expect((await callWithToken(first.access_token)).status).toBe(401);
  });

  it("answers OAuth error JSON for malformed token requests", async () => {
    const json = await tokenRequest(
      { grant_type: "authorization_code" },
      { "content-type": "application/json" },
    );
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: "invalid_request" });
    expect(
      await (await tokenRequest({ grant_type: "password", client_id: LOCAL_SPA_CLIENT_ID })).json(),
    ).toMatchObject({ error: "unsupported_grant_type" });
    expect(
      await (
        await tokenRequest({ grant_type: "authorization_code", client_id: LOCAL_SPA_CLIENT_ID })
      ).json(),
    ).toMatchObject({ error: "invalid_request" });
    expect(
      await (
        await tokenRequest({
          grant_type: "refresh_token",
          client_id: LOCAL_SPA_CLIENT_ID,
          refresh_token: "nope",
        })
      ).json(),
    ).toMatchObject({ error: "invalid_grant" });
  });

  it("allows the app's own origins to call the token endpoint cross-origin, and no others", async () => {
    const localhost = server.url.replace("127.0.0.1", "localhost");
    const ok = await tokenRequest(
      { grant_type: "password", client_id: LOCAL_SPA_CLIENT_ID },
      { origin: localhost },
    );
    expect(ok.headers.get("access-control-allow-origin")).toBe(localhost);
    const evil = await tokenRequest(
      { grant_type: "password", client_id: LOCAL_SPA_CLIENT_ID },
      { origin: "https://evil.example" },
    );
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
  });
});

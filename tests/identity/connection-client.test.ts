import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getConfig } from "@/lib/config";
import {
  CONNECTION_CLIENT_ID,
  connectionRedirectUri,
  createConnectionClientSecret,
} from "@/lib/identity/local-idp/clients";
import { decodeJwt } from "jose";
import type { TestServer } from "../helpers/serve";
import { resetAll, useEnv, useMemoryDb } from "./helpers";
import { formTokenIn, serveIdp } from "./idp-server";

/** The local agent service's confidential connection client at the local IdP, over HTTP. */
describe("local IdP: the connection client (consent screen, client secret, revocation)", () => {
  let server: TestServer;
  let env: ReturnType<typeof useEnv>;
  let db: Awaited<ReturnType<typeof useMemoryDb>>;
  let secret: string;

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
    secret = await createConnectionClientSecret();
  });

  const verifier = "v".repeat(50);
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const scope = () => `${getConfig().identity.apiAppIdUri}/access_as_user offline_access`;

  function authorizeUrl(overrides: Record<string, string | null> = {}): URL {
    const url = new URL(`${server.url}/local-idp/authorize`);
    const params: Record<string, string | null> = {
      client_id: CONNECTION_CLIENT_ID,
      response_type: "code",
      redirect_uri: connectionRedirectUri(),
      scope: scope(),
      state: "state-123",
      code_challenge: challenge,
      code_challenge_method: "S256",
      login_hint: "alice",
      prompt: "consent",
      ...overrides,
    };
    for (const [k, v] of Object.entries(params)) if (v !== null) url.searchParams.set(k, v);
    return url;
  }

  async function answer(decision: string, url = authorizeUrl()): Promise<Response> {
    const page = await (await fetch(url)).text();
    return fetch(`${server.url}/local-idp/authorize/consent`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: server.url,
        "sec-fetch-site": "same-origin",
      },
      body: new URLSearchParams({ form_token: formTokenIn(page)!, decision }),
    });
  }

  const token = (form: Record<string, string>, auth: string | null = secret) =>
    fetch(`${server.url}/local-idp/token`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        ...(auth !== null
          ? {
              authorization: `Basic ${Buffer.from(`${CONNECTION_CLIENT_ID}:${auth}`).toString("base64")}`,
            }
          : {}),
      },
      body: new URLSearchParams(form),
    });

  it("shows the consent screen for the login_hint user only, and refuses other redirect URIs, scopes or no login_hint", async () => {
    const page = await (await fetch(authorizeUrl())).text();
    expect(page).toContain("Permission requested");
    expect(page).toContain("Alice Anderson");
    expect(page).not.toContain("Bob Brown");
    const cases: Record<string, string | null>[] = [
      { redirect_uri: `${server.url}/auth/callback` },
      { scope: `${scope()} openid Mail.Send` },
      { login_hint: null },
      { login_hint: "mallory" },
      { prompt: "none" },
    ];
    for (const bad of cases) {
      const html = await (await fetch(authorizeUrl(bad))).text();
      expect(html).not.toContain("Permission requested");
      expect(html).not.toContain('name="form_token"');
    }
  });

  it("Allow → code for alice (client secret + PKCE required); Deny → error=access_denied", async () => {
    const allowed = await answer("allow");
    expect(allowed.status).toBe(303);
    const back = new URL(allowed.headers.get("location")!);
    expect(`${back.origin}${back.pathname}`).toBe(connectionRedirectUri());
    expect(back.searchParams.get("state")).toBe("state-123");
    const code = back.searchParams.get("code")!;
    const form = {
      grant_type: "authorization_code",
      code,
      code_verifier: verifier,
      redirect_uri: connectionRedirectUri(),
    };
    expect((await token(form, "wrong-secret")).status).toBe(400);
    expect(((await (await token(form, null)).json()) as { error: string }).error).toBe(
      "invalid_client",
    );
    // A failed client authentication does not consume the code.
    const res = await token(form);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; refresh_token: string };
    const claims = decodeJwt(body.access_token);
    expect(claims.preferred_username).toBe("alice@contoso.local");
    expect(claims.azp).toBe(CONNECTION_CLIENT_ID);
    expect(claims.scp).toBe("access_as_user");

    const denied = await answer("deny");
    const target = new URL(denied.headers.get("location")!);
    expect(target.searchParams.get("error")).toBe("access_denied");
    expect(target.searchParams.get("state")).toBe("state-123");
    expect(target.searchParams.has("code")).toBe(false);
  });

  it("refreshes with the client secret, and revocation ends the refresh token", async () => {
    const allowed = await answer("allow");
    const code = new URL(allowed.headers.get("location")!).searchParams.get("code")!;
    const first = (await (
      await token({
        grant_type: "authorization_code",
        code,
        code_verifier: verifier,
        redirect_uri: connectionRedirectUri(),
      })
    ).json()) as { refresh_token: string };
    const refreshed = await token({
      grant_type: "refresh_token",
      refresh_token: first.refresh_token,
    });
    expect(refreshed.status).toBe(200);
    const next = ((await refreshed.json()) as { refresh_token: string }).refresh_token;
    const revoke = await fetch(`${server.url}/local-idp/revoke`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${CONNECTION_CLIENT_ID}:${secret}`).toString("base64")}`,
      },
      body: new URLSearchParams({ token: next }),
    });
    expect(revoke.status).toBe(200);
    const after = await token({ grant_type: "refresh_token", refresh_token: next });
    expect(((await after.json()) as { error: string }).error).toBe("invalid_grant");
  });

  it("the SPA's sign-in form cannot be used to answer a consent form, nor the reverse", async () => {
    const page = await (await fetch(authorizeUrl())).text();
    const res = await fetch(`${server.url}/local-idp/authorize/submit`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: server.url },
      body: new URLSearchParams({ form_token: formTokenIn(page)!, username: "bob" }),
    });
    expect(res.status).toBe(400);
  });
});

import { exportJWK, generateKeyPair, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as authConfig } from "@/app/api/auth/config/route";
import { GET as discovery } from "@/app/local-idp/.well-known/openid-configuration/route";
import { POST as token } from "@/app/local-idp/token/route";
import { resetConfig } from "@/lib/config";
import { getLocalSigningKey } from "@/lib/identity/local-idp/keys";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { verifyAccessToken } from "@/lib/identity/verify";
import { serve, type TestServer } from "../helpers/serve";
import { callWithToken, now, problemOf, signToken, useEnv, useMemoryDb } from "./helpers";

const TENANT = "11111111-2222-4333-8444-555555555555";
const API_CLIENT = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
const SPA_CLIENT = "99999999-8888-4777-8666-555555555555";
const SECRET = "api-client-secret-value";

let jwksServer: TestServer;
let jwksRequests = 0;
let key: { privateKey: CryptoKey; kid: string };
let env: ReturnType<typeof useEnv>;
let db: Awaited<ReturnType<typeof useMemoryDb>>;

beforeAll(async () => {
  const pair = await generateKeyPair("RS256");
  const kid = "entra-test-key-1";
  const publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid, use: "sig", alg: "RS256" };
  key = { privateKey: pair.privateKey, kid };
  // Entra's JWKS path for the tenant, on a loopback server.
  jwksServer = await serve((req) => {
    const path = new URL(req.url).pathname;
    if (path !== `/${TENANT}/discovery/v2.0/keys`)
      return new Response("not found", { status: 404 });
    jwksRequests++;
    return Response.json({ keys: [publicJwk] });
  });
  env = useEnv({
    ENTRA_TENANT_ID: TENANT,
    ENTRA_API_CLIENT_ID: API_CLIENT,
    ENTRA_SPA_CLIENT_ID: SPA_CLIENT,
    ENTRA_API_CLIENT_SECRET: SECRET,
    ENTRA_AUTHORITY_HOST: jwksServer.url,
  });
  db = await useMemoryDb();
});

afterAll(async () => {
  await db.close();
  env.restore();
  await jwksServer.close();
});

function v2Claims(extra: Record<string, unknown> = {}) {
  const t = now();
  return {
    iss: `${jwksServer.url}/${TENANT}/v2.0`,
    aud: API_CLIENT,
    tid: TENANT,
    oid: "6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
    sub: "entra-pairwise-sub",
    preferred_username: "erin@contoso.com",
    name: "Erin Example",
    scp: "access_as_user",
    azp: SPA_CLIENT,
    ver: "2.0",
    iat: t,
    nbf: t,
    exp: t + 3600,
    ...extra,
  };
}

function v1Claims(extra: Record<string, unknown> = {}) {
  const t = now();
  return {
    iss: `https://sts.windows.net/${TENANT}/`,
    aud: `api://${API_CLIENT}`,
    tid: TENANT,
    oid: "7a2b3c4d-5e6f-4a1b-9c2d-3e4f5a6b7c8d",
    sub: "entra-v1-sub",
    upn: "frank@contoso.com",
    unique_name: "frank@contoso.com",
    name: "Frank Example",
    scp: "access_as_user",
    appid: SPA_CLIENT,
    roles: ["Approver"],
    ver: "1.0",
    iat: t,
    nbf: t,
    exp: t + 3600,
    ...extra,
  };
}

const sign = (claims: Record<string, unknown>) =>
  signToken(key.privateKey, claims, { kid: key.kid });

describe("authenticate() with Entra tokens (JWKS on a loopback authority host)", () => {
  it("accepts a v2 delegated token, fetching the tenant's JWKS", async () => {
    const res = await callWithToken(await sign(v2Claims()));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      username: "erin@contoso.com",
      name: "Erin Example",
      kind: "user",
      tenantId: TENANT,
      roles: [],
    });
    expect(jwksRequests).toBeGreaterThan(0);
  });

  it("accepts a v1 token (sts.windows.net issuer, App ID URI audience, upn)", async () => {
    const res = await callWithToken(await sign(v1Claims()));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      username: "frank@contoso.com",
      roles: ["Approver"],
      kind: "user",
    });
  });

  it("turns an app-only token (roles, no scp) into an app principal, refused by authenticate()", async () => {
    const claims = v2Claims({
      scp: undefined,
      preferred_username: undefined,
      name: undefined,
      idtyp: "app",
      roles: ["Tools.Invoke"],
      azp: "foundry-agent-app",
    });
    const signed = await sign(claims);
    expect(await verifyAccessToken(signed, { audience: "api" })).toMatchObject({
      kind: "app",
      username: "foundry-agent-app",
      roles: ["Tools.Invoke"],
      scopes: [],
    });
    // authenticate() is the people's gate: an application's token is refused there.
    expect((await callWithToken(signed)).status).toBe(403);
  });

  it("rejects a v1 token whose issuer host is not sts.windows.net", async () => {
    const p = await problemOf(
      await callWithToken(await sign(v1Claims({ iss: `https://sts.example.net/${TENANT}/` }))),
    );
    expect(p.status).toBe(401);
    expect(p.challenge).toContain("issuer");
  });

  it("rejects an Entra token from another tenant", async () => {
    const other = "00000000-1111-4222-8333-444444444444";
    const p = await problemOf(
      await callWithToken(
        await sign(v2Claims({ iss: `${jwksServer.url}/${other}/v2.0`, tid: other })),
      ),
    );
    expect(p.status).toBe(401);
  });

  it("rejects a token signed by a key that is not in the tenant's JWKS", async () => {
    const stranger = await generateKeyPair("RS256");
    const p = await problemOf(
      await callWithToken(await signToken(stranger.privateKey, v2Claims(), { kid: "unknown-kid" })),
    );
    expect(p.status).toBe(401);
    expect(p.challenge).toContain("unknown key");
  });

  it("rejects an expired Entra token and one for another audience", async () => {
    expect((await callWithToken(await sign(v2Claims({ exp: now() - 300 })))).status).toBe(401);
    expect(
      (await callWithToken(await sign(v2Claims({ aud: "https://graph.microsoft.com" })))).status,
    ).toBe(401);
  });

  it("answers 503, not 401, when the tenant's keys cannot be fetched", async () => {
    const saved = process.env.ENTRA_AUTHORITY_HOST;
    const down = await serve(() => new Response("unavailable", { status: 503 }));
    try {
      process.env.ENTRA_AUTHORITY_HOST = down.url;
      resetConfig();
      const res = await callWithToken(await sign(v2Claims({ iss: `${down.url}/${TENANT}/v2.0` })));
      expect(res.status).toBe(503);
    } finally {
      await down.close();
      process.env.ENTRA_AUTHORITY_HOST = saved;
      resetConfig();
    }
  });

  it("refuses to mint local tokens", async () => {
    await expect(mintLocalAccessToken({ username: "alice" })).rejects.toThrow(/Entra/);
  });

  it("never trusts the local IdP's key when Entra is configured", async () => {
    // Perfect Entra claims, signed with the key the local IdP would use: unknown to the tenant's JWKS.
    const local = await getLocalSigningKey();
    const forged = await signToken(local.privateKey, v2Claims(), { kid: local.kid });
    await expect(verifyAccessToken(forged)).rejects.toMatchObject({ status: 401 });
  });

  it("hides the local IdP: its endpoints answer 404", async () => {
    expect(
      (await discovery(new Request("http://localhost/local-idp/.well-known/openid-configuration")))
        .status,
    ).toBe(404);
    const form = new URLSearchParams({
      grant_type: "authorization_code",
      client_id: SPA_CLIENT,
      code: "x",
      code_verifier: "y".repeat(43),
    });
    const res = await token(
      new Request("http://localhost/local-idp/token", {
        method: "POST",
        body: form,
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
    );
    expect(res.status).toBe(404);
  });

  it("tells the browser to use MSAL against the tenant, without secrets", async () => {
    const res = await authConfig(new Request("http://localhost/api/auth/config"));
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      mode: "entra",
      clientId: SPA_CLIENT,
      authority: `${jwksServer.url}/${TENANT}`,
      scopes: ["openid", "profile", "offline_access", `api://${API_CLIENT}/access_as_user`],
      apiScope: `api://${API_CLIENT}/access_as_user`,
    });
    expect(text).not.toContain(SECRET);
  });
});

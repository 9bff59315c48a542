import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DefaultAzureCredential } from "@azure/identity";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { credentialFor, resetCredentialCaches } from "@/lib/agents/credentials";
import { FOUNDRY_SCOPE, getConfig, resetConfig } from "@/lib/config";
import { verifyAccessToken } from "@/lib/identity/verify";
import { principalOf } from "../local-foundry/harness";

const TENANT = "11111111-2222-3333-4444-555555555555";
const CLIENT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const SECRET = "s3cret-value";
const AUTHORITY = `https://login.microsoftonline.com/${TENANT}`;

const fakeJwt = (claims: object) =>
  [{ alg: "none", typ: "JWT" }, claims]
    .map((p) => Buffer.from(JSON.stringify(p)).toString("base64url"))
    .join(".") + ".sig";

const openIdConfiguration = {
  token_endpoint: `${AUTHORITY}/oauth2/v2.0/token`,
  authorization_endpoint: `${AUTHORITY}/oauth2/v2.0/authorize`,
  end_session_endpoint: `${AUTHORITY}/oauth2/v2.0/logout`,
  issuer: `${AUTHORITY}/v2.0`,
  jwks_uri: `${AUTHORITY}/discovery/v2.0/keys`,
};

/** A fake of the Entra v2 token endpoint that records what MSAL sends. */
const tokenRequests: URLSearchParams[] = [];
const entra = setupServer(
  http.get(`${AUTHORITY}/v2.0/.well-known/openid-configuration`, () =>
    HttpResponse.json(openIdConfiguration),
  ),
  http.get("https://login.microsoftonline.com/common/discovery/instance", () =>
    HttpResponse.json({
      tenant_discovery_endpoint: `${AUTHORITY}/v2.0/.well-known/openid-configuration`,
      "api-version": "1.1",
      metadata: [
        {
          preferred_network: "login.microsoftonline.com",
          preferred_cache: "login.windows.net",
          aliases: ["login.microsoftonline.com", "login.windows.net"],
        },
      ],
    }),
  ),
  http.post(`${AUTHORITY}/oauth2/v2.0/token`, async ({ request }) => {
    const form = new URLSearchParams(await request.text());
    tokenRequests.push(form);
    if (form.get("assertion") === "needs-consent") {
      return HttpResponse.json(
        {
          error: "invalid_grant",
          error_description: "AADSTS65001: The user has not consented.",
          error_codes: [65001],
          suberror: "consent_required",
        },
        { status: 400 },
      );
    }
    const now = Math.floor(Date.now() / 1000);
    return HttpResponse.json({
      token_type: "Bearer",
      scope: FOUNDRY_SCOPE,
      expires_in: 3600,
      ext_expires_in: 3600,
      access_token: fakeJwt({
        aud: "https://ai.azure.com",
        iat: now,
        exp: now + 3600,
        sub: form.get("assertion"),
      }),
    });
  }),
);

describe("credentialFor: Foundry with On-Behalf-Of", () => {
  beforeAll(() => {
    entra.listen({ onUnhandledRequest: "error" });
    Object.assign(process.env, {
      FOUNDRY_PROJECT_ENDPOINT: "https://contoso.services.ai.azure.com/api/projects/demo",
      FOUNDRY_CREDENTIAL: "obo",
      ENTRA_TENANT_ID: TENANT,
      ENTRA_API_CLIENT_ID: CLIENT_ID,
      ENTRA_API_CLIENT_SECRET: SECRET,
    });
    resetConfig();
    resetCredentialCaches();
  });
  afterEach(() => {
    tokenRequests.length = 0;
  });
  afterAll(() => {
    entra.close();
    for (const k of [
      "FOUNDRY_PROJECT_ENDPOINT",
      "FOUNDRY_CREDENTIAL",
      "ENTRA_TENANT_ID",
      "ENTRA_API_CLIENT_ID",
      "ENTRA_API_CLIENT_SECRET",
    ])
      delete process.env[k];
    resetConfig();
    resetCredentialCaches();
  });

  it("exchanges the user's token with the documented OBO request and caches the result per user", async () => {
    const alice = { ...principalOf("alice"), token: "alice-incoming-token" };
    const token = await credentialFor(alice).getToken(FOUNDRY_SCOPE);
    expect(token?.token.split(".")).toHaveLength(3);
    expect(token!.expiresOnTimestamp).toBeGreaterThan(Date.now() + 3000_000);

    expect(tokenRequests).toHaveLength(1);
    const form = tokenRequests[0]!;
    expect(form.get("grant_type")).toBe("urn:ietf:params:oauth:grant-type:jwt-bearer");
    expect(form.get("requested_token_use")).toBe("on_behalf_of");
    expect(form.get("assertion")).toBe("alice-incoming-token");
    expect(form.get("client_id")).toBe(CLIENT_ID);
    expect(form.get("client_secret")).toBe(SECRET);
    expect(form.get("scope")?.split(" ")).toContain(FOUNDRY_SCOPE);

    // Same user again: served from MSAL's cache. Another user: a new exchange.
    await credentialFor(alice).getToken(FOUNDRY_SCOPE);
    expect(tokenRequests).toHaveLength(1);
    await credentialFor({ ...principalOf("bob"), token: "bob-incoming-token" }).getToken(
      FOUNDRY_SCOPE,
    );
    expect(tokenRequests).toHaveLength(2);
    expect(tokenRequests[1]!.get("assertion")).toBe("bob-incoming-token");
  });

  it("reports missing consent as a 403 the UI can act on", async () => {
    const carol = { ...principalOf("carol"), token: "needs-consent" };
    await expect(credentialFor(carol).getToken(FOUNDRY_SCOPE)).rejects.toMatchObject({
      status: 403,
      extensions: { reason: "consent_required" },
    });
  });

  it("uses DefaultAzureCredential when FOUNDRY_CREDENTIAL=default", () => {
    process.env.FOUNDRY_CREDENTIAL = "default";
    resetConfig();
    try {
      expect(credentialFor(principalOf("alice"))).toBeInstanceOf(DefaultAzureCredential);
    } finally {
      process.env.FOUNDRY_CREDENTIAL = "obo";
      resetConfig();
    }
  });
});

describe("credentialFor: the local agent service", () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "cred-test-"));
    process.env.DATA_DIR = dataDir;
    resetConfig();
    resetCredentialCaches();
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it("mints a local token for the same user, with the agent service's audience, and reuses it", async () => {
    expect(getConfig().agents.mode).toBe("local");
    const alice = principalOf("alice");
    const credential = credentialFor(alice);
    const first = await credential.getToken(FOUNDRY_SCOPE);
    const verified = await verifyAccessToken(first!.token, { audience: "foundry" });
    expect(verified.userId).toBe(alice.userId);
    await expect(verifyAccessToken(first!.token, { audience: "api" })).rejects.toMatchObject({
      status: 401,
    });
    expect((await credentialFor(alice).getToken(FOUNDRY_SCOPE))!.token).toBe(first!.token);
  });
});

describe("credentialFor: Entra sign-in with the local agent service", () => {
  afterAll(() => {
    for (const k of ["ENTRA_TENANT_ID", "ENTRA_API_CLIENT_ID"]) delete process.env[k];
    resetConfig();
  });

  it("hands the in-app service the user's own verified token (no local token can be minted)", async () => {
    Object.assign(process.env, { ENTRA_TENANT_ID: TENANT, ENTRA_API_CLIENT_ID: CLIENT_ID });
    delete process.env.FOUNDRY_PROJECT_ENDPOINT;
    resetConfig();
    expect(getConfig().agents.mode).toBe("local");
    const exp = Math.floor(Date.now() / 1000) + 1800;
    const own = fakeJwt({ aud: CLIENT_ID, exp });
    const token = await credentialFor({ ...principalOf("alice"), token: own }).getToken(
      FOUNDRY_SCOPE,
    );
    expect(token).toMatchObject({ token: own, expiresOnTimestamp: exp * 1000 });
  });
});

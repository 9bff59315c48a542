import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DefaultAzureCredential } from "@azure/identity";
import { eq } from "drizzle-orm";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  credentialFor,
  credentialForUser,
  oboPartitionKey,
  rememberCredential,
  resetCredentialCaches,
} from "@/lib/agents/credentials";
import { FOUNDRY_SCOPE, getConfig, resetConfig } from "@/lib/config";
import { sealedSecrets } from "@/lib/db/schema";
import type { Principal } from "@/lib/identity/principal";
import { verifyAccessToken } from "@/lib/identity/verify";
import { resetSealingKey } from "@/lib/secrets/seal";
import { useFreshDb } from "../helpers/db";
import { entraDiscovery } from "../helpers/entra";
import { principalOf } from "../local-foundry/harness";

const TENANT = "11111111-2222-3333-4444-555555555555";
const CLIENT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const SECRET = "s3cret-value";
const AUTHORITY = `https://login.microsoftonline.com/${TENANT}`;

const fakeJwt = (claims: object) =>
  [{ alg: "none", typ: "JWT" }, claims]
    .map((p) => Buffer.from(JSON.stringify(p)).toString("base64url"))
    .join(".") + ".sig";

const claimsOf = (jwt: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<
      string,
      unknown
    >;
  } catch {
    return undefined;
  }
};

/**
 * A fake of the Entra v2 token endpoint that records what MSAL sends. OBO exchanges answer like
 * Entra does for `openid profile offline_access <scope>`: access token, id token, client_info
 * and a refresh token bound to the user (`oid` of the assertion, or the assertion text when it
 * is not a JWT). A JWT assertion may carry `at_ttl` (seconds) for the access token's lifetime.
 * `refresh_token` grants answer for the user the refresh token was issued to, and rotate it.
 */
const tokenRequests: URLSearchParams[] = [];
const refreshTokens = new Map<string, { oid: string; revoked: boolean; idToken: boolean }>();
let issued = 0;

function tokenResponse(oid: string, ttl: number, idToken = true) {
  const now = Math.floor(Date.now() / 1000);
  const rt = `rt.${oid}.${++issued}.${randomBytes(8).toString("hex")}`;
  refreshTokens.set(rt, { oid, revoked: false, idToken });
  return {
    token_type: "Bearer",
    scope: `${FOUNDRY_SCOPE} openid profile offline_access`,
    expires_in: ttl,
    ext_expires_in: ttl,
    access_token: fakeJwt({
      aud: "https://ai.azure.com",
      iat: now,
      exp: now + ttl,
      oid,
      sub: oid,
      tid: TENANT,
      n: issued,
    }),
    refresh_token: rt,
    id_token: !idToken
      ? undefined
      : fakeJwt({
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

const entra = setupServer(
  ...entraDiscovery(AUTHORITY),
  http.post(`${AUTHORITY}/oauth2/v2.0/token`, async ({ request }) => {
    const form = new URLSearchParams(await request.text());
    tokenRequests.push(form);
    if (form.get("grant_type") === "refresh_token") {
      const known = refreshTokens.get(form.get("refresh_token") ?? "");
      if (!known || known.revoked) {
        return HttpResponse.json(
          {
            error: "invalid_grant",
            error_description: "AADSTS70008: The refresh token has expired or been revoked.",
            error_codes: [70008],
          },
          { status: 400 },
        );
      }
      known.revoked = true; // rotation: the old one is spent
      return HttpResponse.json(tokenResponse(known.oid, 3600, known.idToken));
    }
    const assertion = form.get("assertion") ?? "";
    if (assertion === "needs-consent") {
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
    const claims = claimsOf(assertion);
    const oid = typeof claims?.oid === "string" ? claims.oid : assertion;
    const ttl = typeof claims?.at_ttl === "number" ? claims.at_ttl : 3600;
    // `openid` not granted: Entra answers without an id token (so MSAL stores no account).
    return HttpResponse.json(tokenResponse(oid, ttl, claims?.no_id_token !== true));
  }),
);

/** The user's API token as the app received it (only `oid`/`exp` matter to the credential). */
function incomingToken(oid: string, expInSeconds: number, extra: object = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return fakeJwt({ aud: CLIENT_ID, tid: TENANT, oid, iat: now, exp: now + expInSeconds, ...extra });
}

function user(name: string, token: string): Principal {
  return {
    userId: `${name}-0000-4000-8000-${randomBytes(6).toString("hex")}`,
    tenantId: TENANT,
    username: `${name}@contoso.example`,
    name,
    roles: [],
    scopes: ["access_as_user"],
    kind: "user",
    token,
  };
}

const withToken = (p: Principal, token: string): Principal => ({ ...p, token });

describe("credentialFor: Foundry with On-Behalf-Of", () => {
  let db: Awaited<ReturnType<typeof useFreshDb>> | undefined;
  beforeAll(async () => {
    entra.listen({ onUnhandledRequest: "error" });
    Object.assign(process.env, {
      FOUNDRY_PROJECT_ENDPOINT: "https://contoso.services.ai.azure.com/api/projects/demo",
      FOUNDRY_CREDENTIAL: "obo",
      ENTRA_TENANT_ID: TENANT,
      ENTRA_API_CLIENT_ID: CLIENT_ID,
      ENTRA_API_CLIENT_SECRET: SECRET,
      DATA_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    });
    resetConfig();
    resetSealingKey();
    resetCredentialCaches();
    db = await useFreshDb("pglite");
  });
  afterEach(() => {
    tokenRequests.length = 0;
  });
  afterAll(async () => {
    entra.close();
    await db?.close();
    for (const k of [
      "FOUNDRY_PROJECT_ENDPOINT",
      "FOUNDRY_CREDENTIAL",
      "ENTRA_TENANT_ID",
      "ENTRA_API_CLIENT_ID",
      "ENTRA_API_CLIENT_SECRET",
      "DATA_ENCRYPTION_KEY",
    ])
      delete process.env[k];
    resetConfig();
    resetSealingKey();
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

  describe("continuing a run without the user's live token", () => {
    /** Another replica, or this one after a restart: nothing in memory, only the database. */
    const anotherReplica = () => resetCredentialCaches();

    it("persists the user's MSAL cache sealed, per user, when the run pauses", async () => {
      const alice = user("alice", "");
      await rememberCredential(withToken(alice, incomingToken(alice.userId, 3600)));
      expect(tokenRequests.map((f) => f.get("grant_type"))).toEqual([
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
      ]);
      expect(tokenRequests[0]!.get("scope")?.split(" ")).toContain("offline_access");

      const rows = await db!.handle.db.select().from(sealedSecrets);
      const row = rows.find((r) => r.key === oboPartitionKey(alice.userId));
      expect(row?.ciphertext).toMatch(/^v1\./);
      expect(row!.ciphertext).not.toContain("rt.");
      expect(row!.ciphertext).not.toContain(alice.userId);

      // Another replica pausing a run with the same assertion: the stored cache suffices.
      anotherReplica();
      await rememberCredential(withToken(alice, tokenRequests[0]!.get("assertion")!));
      expect(tokenRequests).toHaveLength(1);
      // A newer assertion (the browser refreshed its token): one exchange, stored again.
      await rememberCredential(withToken(alice, incomingToken(alice.userId, 3600, { n: 2 })));
      expect(tokenRequests).toHaveLength(2);
    });

    it("serves a still-valid cached access token on another replica, with no request", async () => {
      const alice = user("alice", "");
      await rememberCredential(withToken(alice, incomingToken(alice.userId, 3600)));
      expect(tokenRequests).toHaveLength(1);

      anotherReplica();
      const token = await credentialForUser(alice.userId).getToken(FOUNDRY_SCOPE);
      expect(tokenRequests).toHaveLength(1);
      expect(claimsOf(token!.token)).toMatchObject({
        oid: alice.userId,
        aud: "https://ai.azure.com",
      });
      expect(token!.expiresOnTimestamp).toBeGreaterThan(Date.now() + 3000_000);
    });

    it("redeems the cached refresh token once the assertion and the access token are stale", async () => {
      // Foundry token lives 2 minutes: within MSAL's 5-minute renewal margin, i.e. already stale.
      const bob = user("bob", "");
      await rememberCredential(withToken(bob, incomingToken(bob.userId, 3600, { at_ttl: 120 })));
      const firstRt = [...refreshTokens].find(([, v]) => v.oid === bob.userId)![0];
      tokenRequests.length = 0;

      anotherReplica();
      const expired = withToken(bob, incomingToken(bob.userId, -600));
      const token = await credentialFor(expired).getToken(FOUNDRY_SCOPE);

      expect(tokenRequests).toHaveLength(1);
      const form = tokenRequests[0]!;
      expect(form.get("grant_type")).toBe("refresh_token");
      expect(form.get("refresh_token")).toBe(firstRt);
      expect(form.get("assertion")).toBeNull();
      expect(form.get("requested_token_use")).toBeNull();
      expect(form.get("client_id")).toBe(CLIENT_ID);
      expect(form.get("client_secret")).toBe(SECRET);
      expect(form.get("scope")?.split(" ")).toContain(FOUNDRY_SCOPE);
      expect(claimsOf(token!.token)).toMatchObject({ oid: bob.userId });

      // The rotated refresh token and the new access token were written back.
      anotherReplica();
      const again = await credentialForUser(bob.userId).getToken(FOUNDRY_SCOPE);
      expect(tokenRequests).toHaveLength(1);
      expect(again!.token).toBe(token!.token);
    });

    it("an empty token (no live principal) behaves the same as credentialForUser", async () => {
      const erin = user("erin", "");
      await rememberCredential(withToken(erin, incomingToken(erin.userId, 3600, { at_ttl: 60 })));
      tokenRequests.length = 0;
      anotherReplica();
      const token = await credentialFor(erin).getToken(FOUNDRY_SCOPE);
      expect(tokenRequests.map((f) => f.get("grant_type"))).toEqual(["refresh_token"]);
      expect(claimsOf(token!.token)).toMatchObject({ oid: erin.userId });
    });

    it("works from the refresh token alone when the OBO answer had no id token", async () => {
      const gus = user("gus", "");
      const live = incomingToken(gus.userId, 3600, { at_ttl: 60, no_id_token: true });
      await rememberCredential(withToken(gus, live));
      tokenRequests.length = 0;
      anotherReplica();
      const token = await credentialForUser(gus.userId).getToken(FOUNDRY_SCOPE);
      expect(tokenRequests.map((f) => f.get("grant_type"))).toEqual(["refresh_token"]);
      expect(claimsOf(token!.token)).toMatchObject({ oid: gus.userId });
    });

    it("never uses another user's cache", async () => {
      const alice = user("alice", "");
      const mallory = user("mallory", "");
      await rememberCredential(withToken(alice, incomingToken(alice.userId, 3600)));
      tokenRequests.length = 0;

      // Nothing stored for mallory: her continuation does not find alice's tokens.
      anotherReplica();
      await expect(credentialForUser(mallory.userId).getToken(FOUNDRY_SCOPE)).rejects.toMatchObject(
        { status: 503, extensions: { reason: "reauth_required" } },
      );

      // Alice's sealed cache copied under mallory's key does not open there (it is bound to its key).
      const [row] = await db!.handle.db
        .select()
        .from(sealedSecrets)
        .where(eq(sealedSecrets.key, oboPartitionKey(alice.userId)));
      await db!.handle.db
        .insert(sealedSecrets)
        .values({ key: oboPartitionKey(mallory.userId), ciphertext: row!.ciphertext });
      anotherReplica();
      await expect(credentialForUser(mallory.userId).getToken(FOUNDRY_SCOPE)).rejects.toMatchObject(
        { status: 503, extensions: { reason: "reauth_required" } },
      );
      expect(tokenRequests).toHaveLength(0);

      // Mallory in the same process as alice: still only her own (empty) partition.
      const aliceToken = await credentialForUser(alice.userId).getToken(FOUNDRY_SCOPE);
      expect(claimsOf(aliceToken!.token)).toMatchObject({ oid: alice.userId });
      await expect(credentialForUser(mallory.userId).getToken(FOUNDRY_SCOPE)).rejects.toMatchObject(
        { extensions: { reason: "reauth_required" } },
      );
      expect(tokenRequests).toHaveLength(0);
    });

    it("asks the requester to sign in again when nothing usable remains", async () => {
      const dana = user("dana", "");
      await rememberCredential(withToken(dana, incomingToken(dana.userId, 3600, { at_ttl: 60 })));
      for (const v of refreshTokens.values()) if (v.oid === dana.userId) v.revoked = true;
      tokenRequests.length = 0;

      anotherReplica();
      await expect(
        credentialFor(withToken(dana, incomingToken(dana.userId, -60))).getToken(FOUNDRY_SCOPE),
      ).rejects.toMatchObject({
        code: "unavailable",
        status: 503,
        message: expect.stringMatching(/sign in again/),
        extensions: { reason: "reauth_required" },
      });
      // It tried the refresh token, never an OBO exchange with the expired assertion.
      expect(tokenRequests.map((f) => f.get("grant_type"))).toEqual(["refresh_token"]);

      // Never remembered at all: the same answer, without any request.
      tokenRequests.length = 0;
      await expect(
        credentialForUser(user("frank", "").userId).getToken(FOUNDRY_SCOPE),
      ).rejects.toMatchObject({ extensions: { reason: "reauth_required" } });
      expect(tokenRequests).toHaveLength(0);
    });
  });

  it("uses DefaultAzureCredential when FOUNDRY_CREDENTIAL=default", async () => {
    process.env.FOUNDRY_CREDENTIAL = "default";
    resetConfig();
    try {
      expect(credentialFor(principalOf("alice"))).toBeInstanceOf(DefaultAzureCredential);
      expect(credentialForUser(principalOf("alice").userId)).toBeInstanceOf(DefaultAzureCredential);
      await rememberCredential(principalOf("alice")); // nothing to persist
      expect(tokenRequests).toHaveLength(0);
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

  it("continues for a user id alone (no live token needed)", async () => {
    const bob = principalOf("bob");
    await rememberCredential(bob); // no-op
    const token = await credentialForUser(bob.userId).getToken(FOUNDRY_SCOPE);
    expect((await verifyAccessToken(token!.token, { audience: "foundry" })).userId).toBe(
      bob.userId,
    );
    const viaEmpty = await credentialFor({ ...bob, token: "" }).getToken(FOUNDRY_SCOPE);
    expect(viaEmpty!.token).toBe(token!.token);
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

  it("cannot continue without the user once their token is gone or expired", async () => {
    Object.assign(process.env, { ENTRA_TENANT_ID: TENANT, ENTRA_API_CLIENT_ID: CLIENT_ID });
    delete process.env.FOUNDRY_PROJECT_ENDPOINT;
    resetConfig();
    const alice = principalOf("alice");
    const expired = fakeJwt({ aud: CLIENT_ID, exp: Math.floor(Date.now() / 1000) - 10 });
    await rememberCredential({ ...alice, token: expired }); // no-op
    for (const credential of [
      credentialFor({ ...alice, token: expired }),
      credentialFor({ ...alice, token: "" }),
      credentialForUser(alice.userId),
    ]) {
      await expect(credential.getToken(FOUNDRY_SCOPE)).rejects.toMatchObject({
        code: "unavailable",
        message: expect.stringMatching(/sign in again/),
        extensions: { reason: "reauth_required" },
      });
    }
  });
});

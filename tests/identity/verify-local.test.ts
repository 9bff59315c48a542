import { eq } from "drizzle-orm";
import { generateKeyPair } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GET as localFoundry } from "@/app/local-foundry/[...path]/route";
import { FOUNDRY_AUDIENCE, getConfig, LOCAL_API_CLIENT_ID, LOCAL_TENANT_ID } from "@/lib/config";
import type { DbHandle } from "@/lib/db/client";
import { users } from "@/lib/db/schema/app";
import { getLocalSigningKey } from "@/lib/identity/local-idp/keys";
import {
  mintLocalAccessToken,
  mintLocalAccessTokenForUserId,
  mintLocalAppAccessToken,
} from "@/lib/identity/local-idp/tokens";
import { MAX_TOKEN_LIFETIME_SECONDS } from "@/lib/identity/token-rules";
import { findDemoUser } from "@/lib/identity/local-idp/users";
import { verifyAccessToken } from "@/lib/identity/verify";
import {
  callWithToken,
  now,
  problemOf,
  resetAll,
  signToken,
  unsignedToken,
  useEnv,
  useMemoryDb,
} from "./helpers";

let env: ReturnType<typeof useEnv>;
let db: { handle: DbHandle; close: () => Promise<void> };

beforeAll(async () => {
  env = useEnv({});
  db = await useMemoryDb();
});
afterAll(async () => {
  await db.close();
  env.restore();
});
beforeEach(() => resetAll());

const alice = findDemoUser("alice")!;

/** The claims of a valid local token for alice; each negative test changes exactly one thing. */
function validClaims(): Record<string, unknown> {
  const t = now();
  return {
    iss: `${getConfig().identity.authorityHost}/${LOCAL_TENANT_ID}/v2.0`,
    aud: LOCAL_API_CLIENT_ID,
    tid: LOCAL_TENANT_ID,
    oid: alice.oid,
    sub: "pairwise-sub",
    preferred_username: alice.preferredUsername,
    name: alice.name,
    scp: "access_as_user",
    ver: "2.0",
    iat: t,
    nbf: t,
    exp: t + 600,
  };
}

async function signLocal(claims: Record<string, unknown>): Promise<string> {
  const { privateKey, kid } = await getLocalSigningKey();
  return signToken(privateKey, claims, { kid });
}

async function expectInvalid(token: string, description: RegExp): Promise<void> {
  const res = await callWithToken(token);
  const p = await problemOf(res);
  expect(p.status).toBe(401);
  expect(p.type).toMatch(/^application\/problem\+json/);
  expect(p.body.code).toBe("unauthenticated");
  expect(p.challenge).toMatch(
    /^Bearer realm="foundry-agent-chat", error="invalid_token", error_description="[^"]+"$/,
  );
  expect(p.challenge).toMatch(description);
}

describe("authenticate() with local IdP tokens", () => {
  it("accepts a minted token and returns the user with scopes and roles", async () => {
    const res = await callWithToken(await mintLocalAccessToken({ username: "carol" }));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      userId: findDemoUser("carol")!.oid,
      tenantId: LOCAL_TENANT_ID,
      username: "carol@contoso.local",
      name: "Carol Chen",
      roles: ["Approver"],
      scopes: ["access_as_user"],
      kind: "user",
    });
  });

  it("accepts hand-built valid claims (the baseline of the negative cases)", async () => {
    expect((await callWithToken(await signLocal(validClaims()))).status).toBe(200);
  });

  it("accepts any casing of the Bearer scheme", async () => {
    const token = await mintLocalAccessToken({ username: "bob" });
    expect((await callWithToken(token, "bearer")).status).toBe(200);
    expect((await callWithToken(token, "BEARER")).status).toBe(200);
  });

  it("answers 401 with a bare challenge (no error=) when no token is sent", async () => {
    const p = await problemOf(await callWithToken(undefined));
    expect(p.status).toBe(401);
    expect(p.challenge).toBe('Bearer realm="foundry-agent-chat"');
  });

  it("treats a non-Bearer Authorization header as no token", async () => {
    const p = await problemOf(await callWithToken("dXNlcjpwYXNz", "Basic"));
    expect(p.status).toBe(401);
    expect(p.challenge).toBe('Bearer realm="foundry-agent-chat"');
  });

  it("rejects an expired token", async () => {
    await expectInvalid(
      await signLocal({ ...validClaims(), iat: now() - 7200, nbf: now() - 7200, exp: now() - 120 }),
      /expired/,
    );
  });

  it("tolerates small clock skew but not more", async () => {
    expect(
      (await callWithToken(await signLocal({ ...validClaims(), exp: now() - 5 }))).status,
    ).toBe(200);
    await expectInvalid(await signLocal({ ...validClaims(), exp: now() - 61 }), /expired/);
  });

  it("rejects a token that is not yet valid", async () => {
    await expectInvalid(await signLocal({ ...validClaims(), nbf: now() + 300 }), /not yet valid/);
  });

  it("rejects a token for another audience", async () => {
    await expectInvalid(
      await signLocal({ ...validClaims(), aud: "api://someone-else" }),
      /audience/,
    );
  });

  it("rejects a token from another issuer", async () => {
    await expectInvalid(
      await signLocal({
        ...validClaims(),
        iss: `https://login.microsoftonline.com/${LOCAL_TENANT_ID}/v2.0`,
      }),
      /issuer/,
    );
  });

  it("rejects a token for another tenant even with a trusted issuer", async () => {
    await expectInvalid(
      await signLocal({ ...validClaims(), tid: "00000000-0000-0000-0000-000000000000" }),
      /tenant/,
    );
  });

  it("rejects a token signed by another key under our kid", async () => {
    const { kid } = await getLocalSigningKey();
    const { privateKey } = await generateKeyPair("RS256");
    await expectInvalid(await signToken(privateKey, validClaims(), { kid }), /signature/);
  });

  it("rejects a token whose claims were altered after signing", async () => {
    const [h, , s] = (await signLocal(validClaims())).split(".");
    const forged = Buffer.from(JSON.stringify({ ...validClaims(), roles: ["Admin"] })).toString(
      "base64url",
    );
    await expectInvalid(`${h}.${forged}.${s}`, /signature/);
  });

  it("rejects alg: none", async () => {
    await expectInvalid(unsignedToken(validClaims()), /algorithm/);
  });

  it("rejects HS256 (a symmetric key is never trusted)", async () => {
    const { kid } = await getLocalSigningKey();
    await expectInvalid(
      await signToken(new TextEncoder().encode("x".repeat(32)), validClaims(), {
        alg: "HS256",
        kid,
      }),
      /algorithm/,
    );
  });

  it("rejects garbage", async () => {
    await expectInvalid("not.a.jwt", /malformed/);
  });

  it("answers 403 insufficient_scope for a delegated token without access_as_user", async () => {
    const res = await callWithToken(
      await mintLocalAccessToken({ username: "alice", scopes: ["User.Read"] }),
    );
    const p = await problemOf(res);
    expect(p.status).toBe(403);
    expect(p.body.code).toBe("insufficient_scope");
    expect(p.challenge).toContain('error="insufficient_scope"');
    expect(p.challenge).toContain(`scope="api://${LOCAL_API_CLIENT_ID}/access_as_user"`);
  });

  it("refuses a Foundry-audience token at the API, and accepts it for the agent service", async () => {
    const token = await mintLocalAccessToken({ username: "alice", audience: "foundry" });
    await expectInvalid(token, /audience/);
    const p = await verifyAccessToken(token, { audience: "foundry" });
    expect(p).toMatchObject({ userId: alice.oid, scopes: ["user_impersonation"], kind: "user" });
    await expect(
      verifyAccessToken(await mintLocalAccessToken({ username: "alice" }), { audience: "foundry" }),
    ).rejects.toMatchObject({
      status: 401,
    });
    expect(FOUNDRY_AUDIENCE).toBe("https://ai.azure.com");
  });

  it("mints on behalf of a signed-in user known only by oid (the local agent-service credential)", async () => {
    const carol = findDemoUser("carol")!;
    const token = await mintLocalAccessTokenForUserId(carol.oid, { audience: "foundry" });
    expect(await verifyAccessToken(token, { audience: "foundry" })).toMatchObject({
      userId: carol.oid,
      username: "carol@contoso.local",
      roles: ["Approver"],
    });
    await expect(mintLocalAccessTokenForUserId("not-a-demo-oid")).rejects.toThrow(/No demo user/);
  });

  it("turns an app-only token into an app principal, which the people's API refuses (403)", async () => {
    const token = await mintLocalAppAccessToken({
      appId: "agent-connection",
      roles: ["Tools.Invoke"],
    });
    expect(await verifyAccessToken(token, { audience: "api" })).toMatchObject({
      kind: "app",
      username: "agent-connection",
      roles: ["Tools.Invoke"],
      scopes: [],
    });
    expect((await callWithToken(token)).status).toBe(403);
  });

  it("upserts the caller into users, and writes changes of roles at once", async () => {
    await callWithToken(await mintLocalAccessToken({ username: "dana" }));
    const dana = findDemoUser("dana")!;
    const [row] = await db.handle.db.select().from(users).where(eq(users.id, dana.oid));
    expect(row).toMatchObject({
      id: dana.oid,
      tenantId: LOCAL_TENANT_ID,
      username: "dana@contoso.local",
      name: "Dana Diaz",
      roles: ["Admin"],
    });

    // Same facts again within five minutes: no write, so last_seen_at does not move.
    await new Promise((r) => setTimeout(r, 20));
    await callWithToken(await mintLocalAccessToken({ username: "dana" }));
    const [again] = await db.handle.db.select().from(users).where(eq(users.id, dana.oid));
    expect(again!.lastSeenAt.getTime()).toBe(row!.lastSeenAt.getTime());

    // Roles changed in the IdP: written immediately.
    await callWithToken(
      await signLocal({ ...validClaims(), oid: dana.oid, roles: ["Admin", "Approver"] }),
    );
    const [changed] = await db.handle.db.select().from(users).where(eq(users.id, dana.oid));
    expect(changed!.roles).toEqual(["Admin", "Approver"]);
  });

  // Each of these is correctly signed by our key; only the named claim or header is wrong.
  describe("claims a valid signature does not excuse", () => {
    it("aud_array_holding_a_foreign_audience_is_refused", async () => {
      await expectInvalid(
        await signLocal({ ...validClaims(), aud: [LOCAL_API_CLIENT_ID, "api://someone-else"] }),
        /audience/,
      );
      // Only our own audiences in the list is fine.
      const ours = [LOCAL_API_CLIENT_ID, `api://${LOCAL_API_CLIENT_ID}`];
      expect((await callWithToken(await signLocal({ ...validClaims(), aud: ours }))).status).toBe(
        200,
      );
    });

    it("token_without_kid_is_refused", async () => {
      const { privateKey } = await getLocalSigningKey();
      await expectInvalid(await signToken(privateKey, validClaims()), /kid/);
    });

    it("iat_in_the_future_is_refused_beyond_the_clock_skew", async () => {
      await expectInvalid(await signLocal({ ...validClaims(), iat: now() + 300 }), /future/);
      expect(
        (await callWithToken(await signLocal({ ...validClaims(), iat: now() + 5 }))).status,
      ).toBe(200);
    });

    it("exp_decades_away_is_refused", async () => {
      await expectInvalid(
        await signLocal({ ...validClaims(), exp: now() + 30 * 365 * 24 * 3600 }),
        /longer than 24 hours/,
      );
      await expectInvalid(
        await signLocal({ ...validClaims(), exp: now() + MAX_TOKEN_LIFETIME_SECONDS + 60 }),
        /longer than 24 hours/,
      );
      const day = { ...validClaims(), exp: now() + MAX_TOKEN_LIFETIME_SECONDS };
      expect((await callWithToken(await signLocal(day))).status).toBe(200);
    });

    it("missing_or_empty_sub_is_refused", async () => {
      const withoutSub = validClaims();
      delete withoutSub.sub;
      await expectInvalid(await signLocal(withoutSub), /sub/);
      await expectInvalid(await signLocal({ ...validClaims(), sub: "" }), /sub/);
    });

    it.each([
      ["empty", ""],
      ["blank", "   "],
      ["a number", 42],
      ["an object", { id: alice.oid }],
      ["null", null],
    ])("oid_that_is_%s_is_refused", async (_name, oid) => {
      await expectInvalid(await signLocal({ ...validClaims(), oid }), /oid/);
    });

    it("the tokens the app mints itself all pass", async () => {
      const api = await mintLocalAccessToken({ username: "alice" });
      expect((await callWithToken(api)).status).toBe(200);
      const foundry = await mintLocalAccessToken({ username: "alice", audience: "foundry" });
      expect(await verifyAccessToken(foundry, { audience: "foundry" })).toMatchObject({
        kind: "user",
      });
      const app = await mintLocalAppAccessToken({ appId: "agent", roles: ["Tools.Invoke"] });
      expect(await verifyAccessToken(app)).toMatchObject({ kind: "app" });
      const longest = await mintLocalAccessToken({
        username: "bob",
        ttlSeconds: MAX_TOKEN_LIFETIME_SECONDS,
      });
      expect((await callWithToken(longest)).status).toBe(200);
      await expect(
        mintLocalAccessToken({ username: "bob", ttlSeconds: MAX_TOKEN_LIFETIME_SECONDS + 1 }),
      ).rejects.toThrow(/at most/);
    });
  });

  describe("/local-foundry", () => {
    const agents = (token: string) =>
      localFoundry(
        new Request("http://localhost:3000/local-foundry/agents?api-version=v1", {
          headers: { authorization: `Bearer ${token}` },
        }),
      );

    it("local_foundry_refuses_a_user_token_without_the_user_impersonation_scope", async () => {
      const wrongScope = await mintLocalAccessToken({
        username: "alice",
        audience: "foundry",
        scopes: ["access_as_user"],
      });
      const res = await agents(wrongScope);
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: "insufficient_scope" } });
      await expect(verifyAccessToken(wrongScope, { audience: "foundry" })).rejects.toMatchObject({
        status: 403,
      });
      expect(
        (await agents(await mintLocalAccessToken({ username: "alice", audience: "foundry" })))
          .status,
      ).toBe(200);
    });
  });
});

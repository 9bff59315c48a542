import { SignJWT } from "jose";
import { getConfig } from "@/lib/config";
import { getLocalSigningKey } from "@/lib/identity/local-idp/keys";
import {
  localIssuer,
  mintLocalAccessToken,
  mintLocalAppAccessToken,
} from "@/lib/identity/local-idp/tokens";
import { findDemoUser } from "@/lib/identity/local-idp/users";
import type { Principals } from "./arbitraries";

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A correctly signed token of alice's that expired an hour ago. */
async function expiredToken(): Promise<string> {
  const { kid, privateKey } = await getLocalSigningKey();
  const oid = findDemoUser("alice")!.oid;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    tid: getConfig().identity.tenantId,
    oid,
    sub: oid,
    scp: "access_as_user",
    ver: "2.0",
  })
    .setProtectedHeader({ alg: "RS256", typ: "JWT", kid })
    .setIssuer(localIssuer())
    .setAudience(getConfig().identity.apiClientId)
    .setIssuedAt(now - 7200)
    .setExpirationTime(now - 3600)
    .sign(privateKey);
}

/**
 * Who the fuzzer speaks as: nobody, the demo users (API and agent-service audiences), an
 * application, MCP access keys, and tokens that are wrong in every way we could think of.
 */
export async function fuzzPrincipals(keys: { userKey: string; appKey: string }): Promise<{
  api: Principals;
  foundry: Principals;
  mcp: Principals;
}> {
  const alice = await mintLocalAccessToken({ username: "alice" });
  const tampered = alice.slice(0, -4) + (alice.endsWith("AAAA") ? "BBBB" : "AAAA");
  const wrong: Principals = {
    none: {},
    expired: bearer(await expiredToken()),
    tampered: bearer(tampered),
    algNone: bearer("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwiYXVkIjoiYXBpIn0."),
    garbage: bearer("garbage"),
    emptyBearer: { authorization: "Bearer " },
    basic: { authorization: "Basic YWxpY2U6cGFzc3dvcmQ=" },
    lowercaseDoubleSpace: { authorization: `bearer  ${alice}` },
    trailingWord: { authorization: `Bearer ${alice} extra` },
    hugeToken: bearer("a".repeat(20_000)),
  };
  const users = {
    alice: bearer(alice),
    bob: bearer(await mintLocalAccessToken({ username: "bob" })),
    carol: bearer(await mintLocalAccessToken({ username: "carol" })),
    dana: bearer(await mintLocalAccessToken({ username: "dana" })),
  };
  const foundry = {
    aliceFoundry: bearer(await mintLocalAccessToken({ username: "alice", audience: "foundry" })),
    bobFoundry: bearer(await mintLocalAccessToken({ username: "bob", audience: "foundry" })),
    danaFoundry: bearer(await mintLocalAccessToken({ username: "dana", audience: "foundry" })),
    appFoundry: bearer(await mintLocalAppAccessToken({ appId: "fuzz", audience: "foundry" })),
  };
  const apps = {
    app: bearer(await mintLocalAppAccessToken({ appId: "fuzz" })),
    appWrite: bearer(
      await mintLocalAppAccessToken({ appId: "fuzz", roles: ["Tools.Read", "Tools.Write"] }),
    ),
  };
  const apiKeys = {
    userKey: { "x-api-key": keys.userKey },
    appKey: { "x-api-key": keys.appKey },
    badKey: { "x-api-key": "fac_" + "x".repeat(43) },
    emptyKey: { "x-api-key": "" },
  };
  return {
    api: { ...wrong, ...users, ...apps, aliceAtFoundryAudience: foundry.aliceFoundry },
    foundry: { ...wrong, ...foundry, aliceAtApiAudience: users.alice, app: apps.app },
    mcp: { ...wrong, ...users, ...apps, ...apiKeys, aliceFoundry: foundry.aliceFoundry },
  };
}

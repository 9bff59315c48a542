import fs from "node:fs";
import { jwtVerify, createLocalJWKSet } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getConfig } from "@/lib/config";
import {
  getLocalJwks,
  getLocalSigningKey,
  loadOrCreateLocalKey,
  resetLocalKeyCache,
} from "@/lib/identity/local-idp/keys";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { useEnv } from "./helpers";

let env: ReturnType<typeof useEnv>;
beforeEach(() => {
  env = useEnv({});
});
afterEach(() => env.restore());

describe("local IdP signing key", () => {
  it("is created on first use as a private (0600) JWK file under DATA_DIR", async () => {
    const keyPath = getConfig().identity.localKeyPath;
    expect(keyPath.startsWith(env.dataDir)).toBe(true);
    expect(fs.existsSync(keyPath)).toBe(false);
    const key = await getLocalSigningKey();
    const stat = fs.statSync(keyPath);
    expect(stat.mode & 0o777).toBe(0o600);
    const stored = JSON.parse(fs.readFileSync(keyPath, "utf8"));
    expect(stored).toMatchObject({ kty: "RSA" });
    expect(stored.d).toBeTruthy();
    expect(key.publicJwk).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig", kid: key.kid });
    expect(key.publicJwk.d).toBeUndefined();
    // No temp files left behind.
    expect(fs.readdirSync(env.dataDir)).toEqual(["local-idp-key.json"]);
  });

  it("survives a restart: the second load returns the same kid, and old tokens still verify", async () => {
    const first = await getLocalSigningKey();
    const token = await mintLocalAccessToken({ username: "alice" });
    resetLocalKeyCache();
    const second = await getLocalSigningKey();
    expect(second).not.toBe(first);
    expect(second.kid).toBe(first.kid);
    const { payload } = await jwtVerify(token, createLocalJWKSet(await getLocalJwks()));
    expect(payload.preferred_username).toBe("alice@contoso.local");
  });

  it("lets concurrent first starts agree on one key", async () => {
    const keyPath = getConfig().identity.localKeyPath;
    const loaded = await Promise.all(
      Array.from({ length: 8 }, () => loadOrCreateLocalKey(keyPath)),
    );
    expect(new Set(loaded.map((k) => k.kid)).size).toBe(1);
    expect(fs.readdirSync(env.dataDir)).toEqual(["local-idp-key.json"]);
  });

  it("refuses a corrupt key file with a message naming it", async () => {
    const keyPath = getConfig().identity.localKeyPath;
    fs.writeFileSync(keyPath, "{not json");
    await expect(getLocalSigningKey()).rejects.toThrow(keyPath);
  });

  it("puts the key in the token header and publishes it in the JWKS", async () => {
    const token = await mintLocalAccessToken({ username: "bob" });
    const header = JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString());
    const { keys } = await getLocalJwks();
    expect(header).toMatchObject({ alg: "RS256", typ: "JWT", kid: keys[0]!.kid });
  });
});

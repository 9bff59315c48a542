import { SignJWT, decodeJwt, generateKeyPair } from "jose";
import { getLocalSigningKey } from "@/lib/identity/local-idp/keys";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";

/** A valid alice token for our API, re-signed with one thing changed (claims or key). */
export async function forgedToken(
  change: { claims?: Record<string, unknown>; foreignKey?: boolean } = {},
): Promise<string> {
  const valid = decodeJwt(await mintLocalAccessToken({ username: "alice" }));
  const claims = { ...valid, ...change.claims };
  const { kid, privateKey } = await getLocalSigningKey();
  const key = change.foreignKey ? (await generateKeyPair("RS256")).privateKey : privateKey;
  return new SignJWT(claims).setProtectedHeader({ alg: "RS256", typ: "JWT", kid }).sign(key);
}

/** The same claims, unsigned (`alg: none`). */
export async function unsignedToken(): Promise<string> {
  const claims = decodeJwt(await mintLocalAccessToken({ username: "alice" }));
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`;
}

/** A real token whose signature no longer matches (one payload claim changed). */
export async function tamperedToken(): Promise<string> {
  const [h, , s] = (await mintLocalAccessToken({ username: "alice" })).split(".");
  const claims = decodeJwt(await mintLocalAccessToken({ username: "dana" }));
  return `${h}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${s}`;
}

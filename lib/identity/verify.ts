import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWK,
  type JWTHeaderParameters,
  type JWTPayload,
  type JWTVerifyGetKey,
} from "jose";
import { FOUNDRY_AUDIENCE, getConfig } from "@/lib/config";
import { AppError } from "@/lib/errors";
import type { Principal } from "@/lib/identity/principal";
import { bearerChallenge } from "./challenge";
import { getLocalJwks } from "./local-idp/keys";
import { isGrantRevoked } from "./local-idp/revocations";
import {
  CLOCK_TOLERANCE_SECONDS,
  FOUNDRY_SCOPE_NAME,
  MAX_TOKEN_LIFETIME_SECONDS,
} from "./token-rules";

export { CLOCK_TOLERANCE_SECONDS };

export interface VerifyOptions {
  /** "api" (default): tokens for this app's API. "foundry": tokens for the (local) agent service. */
  audience?: "api" | "foundry";
}

/**
 * Verifies an Entra or local-IdP access token and returns who is calling. Both modes run this same
 * function; the only difference is where the public keys come from (Entra's JWKS over HTTPS, or
 * the local key in process).
 */
export async function verifyAccessToken(
  token: string,
  opts: VerifyOptions = {},
): Promise<Principal> {
  const audienceKind = opts.audience ?? "api";
  const id = getConfig().identity;
  const audiences = audienceKind === "api" ? [id.apiClientId, id.apiAppIdUri] : [FOUNDRY_AUDIENCE];
  let payload: JWTPayload;
  let header: JWTHeaderParameters;
  try {
    ({ payload, protectedHeader: header } = await jwtVerify(token, keySet(), {
      algorithms: ["RS256"],
      issuer: acceptedIssuers(),
      audience: audiences,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ["exp", "iat", "tid", "oid", "sub"],
    }));
  } catch (err) {
    throw toAuthError(err);
  }
  const problem = tokenShapeProblem(header, payload, audiences, Date.now() / 1000);
  if (problem) throw invalidToken(problem);
  if (payload.tid !== id.tenantId) throw invalidToken("The token was issued for another tenant.");
  // Local-IdP sign-ins can be revoked (a replayed code or refresh token): their tokens say which.
  if (id.mode === "local" && typeof payload.sid === "string" && (await isGrantRevoked(payload.sid)))
    throw invalidToken("The token was revoked.");
  const principal = toPrincipal(payload, token);
  // Delegated tokens must carry the audience's scope; app-only tokens are judged by their roles later.
  const scope =
    audienceKind === "api"
      ? { name: id.apiScopeName, full: `${id.apiAppIdUri}/${id.apiScopeName}` }
      : { name: FOUNDRY_SCOPE_NAME, full: `${FOUNDRY_AUDIENCE}/${FOUNDRY_SCOPE_NAME}` };
  if (principal.kind === "user" && !principal.scopes.includes(scope.name))
    throw insufficientScope(scope.name, scope.full);
  return principal;
}

/**
 * What jose leaves to us, for a token whose signature, issuer, audience and times already passed:
 * a key id (Entra always names its key), an audience list holding nothing foreign, `iat` not in
 * the future, a lifetime no token service issues beyond, and `sub`/`oid` that name someone.
 * Returns the reason to refuse, or undefined.
 */
export function tokenShapeProblem(
  header: JWTHeaderParameters,
  payload: JWTPayload,
  audiences: string[],
  nowSeconds: number,
): string | undefined {
  if (typeof header.kid !== "string" || header.kid === "") return "The token names no key (kid).";
  if (Array.isArray(payload.aud) && payload.aud.some((a) => !audiences.includes(a)))
    return "The token was issued for another audience as well.";
  const iat = payload.iat!;
  if (iat > nowSeconds + CLOCK_TOLERANCE_SECONDS) return "The token was issued in the future.";
  if (payload.exp! - iat > MAX_TOKEN_LIFETIME_SECONDS)
    return `The token is valid for longer than ${MAX_TOKEN_LIFETIME_SECONDS / 3600} hours.`;
  if (!isIdentifier(payload.sub)) return "The token's sub claim is not valid.";
  if (!isIdentifier(payload.oid)) return "The token's oid claim is not valid.";
  return undefined;
}

/** A non-empty string of sensible length: what `sub` and `oid` are in every token Entra issues. */
function isIdentifier(value: unknown): value is string {
  return typeof value === "string" && value.trim() !== "" && value.length <= 256;
}

/**
 * v2 tokens: `{authority}/{tenant}/v2.0`. v1 tokens: `https://sts.windows.net/{tenant}/` from Entra;
 * the local IdP has no second host, so its v1 form is `{authority}/{tenant}/`.
 */
export function acceptedIssuers(): string[] {
  const { mode, authorityHost, tenantId } = getConfig().identity;
  const v1 =
    mode === "entra" ? `https://sts.windows.net/${tenantId}/` : `${authorityHost}/${tenantId}/`;
  return [`${authorityHost}/${tenantId}/v2.0`, v1];
}

function insufficientScope(name: string, scope: string): AppError {
  const description = `The token lacks the ${name} scope.`;
  return new AppError("insufficient_scope", description, {
    extensions: { requiredScope: scope },
    headers: {
      "www-authenticate": bearerChallenge({ error: "insufficient_scope", description, scope }),
    },
  });
}

export function invalidToken(description: string, cause?: unknown): AppError {
  return new AppError("unauthenticated", "The access token is not valid.", {
    extensions: { detail: description },
    cause,
    headers: { "www-authenticate": bearerChallenge({ error: "invalid_token", description }) },
  });
}

function toPrincipal(p: JWTPayload, token: string): Principal {
  const scopes = typeof p.scp === "string" ? p.scp.split(/\s+/).filter(Boolean) : [];
  const roles = Array.isArray(p.roles)
    ? p.roles.filter((r): r is string => typeof r === "string")
    : [];
  const common = { userId: String(p.oid), tenantId: String(p.tid), roles, scopes, token };
  // A delegated token always carries `scp`; without it the caller is an application.
  if (scopes.length > 0) {
    const username =
      firstString(p.preferred_username, p.upn, p.unique_name, p.email) ?? String(p.oid);
    return { ...common, kind: "user", username, name: firstString(p.name) ?? username };
  }
  const appId = firstString(p.azp, p.appid) ?? String(p.oid);
  return { ...common, kind: "app", username: appId, name: firstString(p.app_displayname) ?? appId };
}

function firstString(...values: unknown[]): string | undefined {
  return values.find((v): v is string => typeof v === "string" && v.trim() !== "");
}

// ---- key sets: the one place where Entra and the local IdP differ ----

const KEY = Symbol.for("foundry-agent-chat.identity.jwks");
type Holder = {
  [KEY]?: { remote: Map<string, JWTVerifyGetKey>; local: WeakMap<JWK, JWTVerifyGetKey> };
};

function caches() {
  const g = globalThis as Holder;
  g[KEY] ??= { remote: new Map(), local: new WeakMap() };
  return g[KEY];
}

function keySet(): JWTVerifyGetKey {
  const { mode, authorityHost, tenantId } = getConfig().identity;
  if (mode === "local") return localKeySet;
  const url = `${authorityHost}/${tenantId}/discovery/v2.0/keys`;
  const remote = caches().remote;
  let set = remote.get(url);
  if (!set) {
    set = createRemoteJWKSet(new URL(url));
    remote.set(url, set);
  }
  return guardKeySource(set);
}

async function localKeySet(...args: Parameters<JWTVerifyGetKey>) {
  const jwks = (await getLocalJwks()) as JSONWebKeySet;
  const anchor = jwks.keys[0] as JWK;
  const local = caches().local;
  let set = local.get(anchor);
  if (!set) {
    set = createLocalJWKSet(jwks);
    local.set(anchor, set);
  }
  return set(...args);
}

/** Failing to fetch keys is our outage, not a bad token: surface it as 503, not 401. */
class KeySourceUnavailable extends Error {}

function guardKeySource(set: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (...args) => {
    try {
      return await set(...args);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys)
        throw err;
      throw new KeySourceUnavailable("The identity provider's signing keys could not be fetched.", {
        cause: err,
      });
    }
  };
}

function toAuthError(err: unknown): AppError {
  if (err instanceof KeySourceUnavailable) {
    return new AppError(
      "unavailable",
      "Sign-in cannot be checked right now. Please try again shortly.",
      {
        cause: err,
        headers: { "retry-after": "5" },
      },
    );
  }
  // Anything that is not about the token itself (a broken key file, a bug) is a 500, not a 401.
  if (!(err instanceof errors.JOSEError)) throw err;
  return invalidToken(describe(err), err);
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return "The token has expired.";
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === "nbf" || err.claim === "iat") return "The token is not yet valid.";
    if (err.claim === "aud") return "The token was issued for another audience.";
    if (err.claim === "iss") return "The token was issued by an untrusted issuer.";
    if (err.reason === "missing") return `The token has no ${err.claim} claim.`;
    return `The token's ${err.claim} claim is not valid.`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed)
    return "The token's signing algorithm is not allowed.";
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return "The token signature is invalid.";
  if (err instanceof errors.JWKSNoMatchingKey) return "The token was signed by an unknown key.";
  return "The token is malformed.";
}

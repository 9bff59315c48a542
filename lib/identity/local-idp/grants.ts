import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { getConfig } from "@/lib/config";
import { codes, type IssuedCode } from "./authorize";
import { checkConnectionClientSecret, findClient } from "./clients";
import { revokeGrantAccessTokens } from "./revocations";
import { processStore } from "./store";
import { DEFAULT_TTL_SECONDS, mintLocalAccessToken, mintLocalIdToken } from "./tokens";

export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  id_token: string;
  refresh_token: string;
  scope: string;
}

export class OAuthError extends Error {
  constructor(
    readonly error:
      "invalid_request" | "invalid_client" | "invalid_grant" | "unsupported_grant_type",
    readonly description: string,
  ) {
    super(description);
  }
}

interface RefreshGrant {
  username: string;
  clientId: string;
  scope: string;
  /** One family per sign-in; rotation keeps it, replay revokes it. */
  family: string;
  /** Epoch ms when the sign-in ends, however often it is refreshed. */
  endsAt: number;
}

/** Entra gives SPAs 24-hour refresh tokens that are not extended by use; so do we. */
const REFRESH_FAMILY_TTL_MS = 24 * 3600_000;
/** A confidential client's refresh tokens last 90 days (Entra's default for web apps). */
const CONFIDENTIAL_FAMILY_TTL_MS = 90 * 24 * 3600_000;
const refreshTokens = () => processStore<RefreshGrant>("refresh-tokens");
/** Rotated-away refresh tokens and redeemed codes, remembered to detect replay. */
const spent = () => processStore<string>("spent");
/** Families (one per sign-in) revoked after a replay; their live refresh token stops working. */
const revoked = () => processStore<true>("revoked-families");
/** The longest an access token from the token endpoint stays valid: its lifetime plus clock skew. */
const ACCESS_TOKEN_LIFETIME_MS = (DEFAULT_TTL_SECONDS + 120) * 1000;
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * Handles one `POST /local-idp/token` form; throws OAuthError for anything the client got wrong.
 * `authorization` is the request's Authorization header (client_secret_basic).
 */
export async function handleTokenRequest(
  form: URLSearchParams,
  authorization: string | null = null,
): Promise<TokenResponse> {
  const clientId = await authenticateClient(form, authorization);
  const grantType = form.get("grant_type");
  if (grantType === "authorization_code") return redeemCode(form, clientId);
  if (grantType === "refresh_token") return redeemRefreshToken(form, clientId);
  throw new OAuthError(
    "unsupported_grant_type",
    "Use grant_type=authorization_code or refresh_token.",
  );
}

/**
 * The client of a token or revocation request. The SPA is public (client_id only); the connection
 * client is confidential: its secret comes as HTTP Basic (client_secret_basic) or in the form
 * (client_secret_post).
 */
export async function authenticateClient(
  form: URLSearchParams,
  authorization: string | null,
): Promise<string> {
  for (const [name] of form) {
    if (form.getAll(name).length > 1)
      throw new OAuthError("invalid_request", `The ${name} parameter is repeated.`);
  }
  let clientId = form.get("client_id");
  let secret = form.get("client_secret");
  const basic = /^Basic\s+(\S+)$/i.exec(authorization?.trim() ?? "");
  if (basic) {
    const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const id = decodeURIComponent(decoded.slice(0, Math.max(0, colon)));
    if (colon < 0 || (clientId && clientId !== id))
      throw new OAuthError("invalid_client", "Malformed client authentication.");
    clientId = id;
    secret = decodeURIComponent(decoded.slice(colon + 1));
  }
  const client = findClient(clientId);
  if (!client) throw new OAuthError("invalid_client", "Unknown client_id.");
  if (client.kind === "connection" && !(await checkConnectionClientSecret(secret)))
    throw new OAuthError("invalid_client", "Client authentication failed.");
  return client.clientId;
}

async function redeemCode(form: URLSearchParams, clientId: string): Promise<TokenResponse> {
  const code = form.get("code");
  const verifier = form.get("code_verifier");
  if (!code) throw new OAuthError("invalid_request", "The code parameter is missing.");
  if (!verifier || !VERIFIER.test(verifier))
    throw new OAuthError("invalid_request", "A valid PKCE code_verifier is required.");
  const issued = codes().take(code);
  if (!issued) {
    // RFC 6749 §4.1.2: a replayed code revokes what was issued from it, access tokens included.
    const family = spent().get(`code:${code}`);
    if (family) await revokeFamily(family, REFRESH_FAMILY_TTL_MS);
    throw new OAuthError(
      "invalid_grant",
      family
        ? "The authorization code was already used."
        : "The authorization code is unknown or has expired.",
    );
  }
  checkBinding(issued, clientId, form.get("redirect_uri"), verifier);
  const family = randomBytes(16).toString("base64url");
  spent().set(`code:${code}`, family, REFRESH_FAMILY_TTL_MS);
  const confidential = findClient(clientId)?.kind === "connection";
  const endsAt = Date.now() + (confidential ? CONFIDENTIAL_FAMILY_TTL_MS : REFRESH_FAMILY_TTL_MS);
  return issueTokens(
    { username: issued.username, clientId, scope: issued.scope, family, endsAt },
    issued.nonce,
  );
}

function checkBinding(
  issued: IssuedCode,
  clientId: string,
  redirectUri: string | null,
  verifier: string,
): void {
  if (issued.clientId !== clientId)
    throw new OAuthError("invalid_grant", "The code was issued to another client.");
  if (issued.redirectUri !== redirectUri)
    throw new OAuthError(
      "invalid_grant",
      "The redirect_uri does not match the authorization request.",
    );
  const challenge = Buffer.from(createHash("sha256").update(verifier).digest("base64url"));
  const expected = Buffer.from(issued.codeChallenge);
  if (challenge.length !== expected.length || !timingSafeEqual(challenge, expected)) {
    throw new OAuthError("invalid_grant", "The code_verifier does not match the code_challenge.");
  }
}

async function redeemRefreshToken(form: URLSearchParams, clientId: string): Promise<TokenResponse> {
  const token = form.get("refresh_token");
  if (!token) throw new OAuthError("invalid_request", "The refresh_token parameter is missing.");
  const grant = refreshTokens().take(token);
  if (!grant) {
    // Reuse of a rotated token means it leaked: end that whole sign-in.
    const family = spent().get(`refresh:${token}`);
    if (family) await revokeFamily(family, REFRESH_FAMILY_TTL_MS);
    throw new OAuthError("invalid_grant", "The refresh token is unknown, expired or already used.");
  }
  spent().set(`refresh:${token}`, grant.family, REFRESH_FAMILY_TTL_MS);
  if (revoked().get(grant.family))
    throw new OAuthError("invalid_grant", "This sign-in was revoked. Sign in again.");
  if (grant.clientId !== clientId)
    throw new OAuthError("invalid_grant", "The refresh token was issued to another client.");
  return issueTokens(grant);
}

async function issueTokens(grant: RefreshGrant, nonce?: string): Promise<TokenResponse> {
  const remainingMs = grant.endsAt - Date.now();
  if (remainingMs <= 0)
    throw new OAuthError("invalid_grant", "The sign-in has expired. Sign in again.");
  const refreshToken = randomBytes(32).toString("base64url");
  refreshTokens().set(refreshToken, grant, remainingMs);
  const { apiAppIdUri, apiScopeName } = getConfig().identity;
  return {
    access_token: await mintLocalAccessToken({
      username: grant.username,
      audience: "api",
      azp: grant.clientId,
      grantId: grant.family,
    }),
    token_type: "Bearer",
    expires_in: DEFAULT_TTL_SECONDS,
    id_token: await mintLocalIdToken({ username: grant.username, nonce }),
    refresh_token: refreshToken,
    scope: grantedScope(grant.scope, `${apiAppIdUri}/${apiScopeName}`),
  };
}

/**
 * RFC 7009 revocation of a refresh token: the whole sign-in (its family) ends, so neither the
 * token, nor anything rotated from it, nor an access token issued from it works again (§2.1
 * allows the last). Unknown tokens are not an error (§2.2).
 */
export async function handleRevocation(
  form: URLSearchParams,
  authorization: string | null,
): Promise<void> {
  const clientId = await authenticateClient(form, authorization);
  const token = form.get("token");
  if (!token) throw new OAuthError("invalid_request", "The token parameter is missing.");
  const hint = form.get("token_type_hint");
  if (hint && hint !== "refresh_token") return; // access tokens are self-contained JWTs
  const grant = refreshTokens().get(token);
  if (!grant || grant.clientId !== clientId) return;
  refreshTokens().take(token);
  await revokeFamily(grant.family, CONFIDENTIAL_FAMILY_TTL_MS);
}

/**
 * Ends a sign-in: its refresh tokens stop working at once, and so do the access tokens already
 * issued from it (they name the family in `sid`; verifyAccessToken checks it on every replica).
 */
async function revokeFamily(family: string, refreshTtlMs: number): Promise<void> {
  revoked().set(family, true, refreshTtlMs);
  await revokeGrantAccessTokens(family, Date.now() + ACCESS_TOKEN_LIFETIME_MS);
}

/** The API scope is always granted; of the OpenID scopes, those that were asked for. */
function grantedScope(requested: string, apiScope: string): string {
  const oidc = requested
    .split(/\s+/)
    .filter((s) => ["openid", "profile", "email", "offline_access"].includes(s));
  return [apiScope, ...oidc].join(" ");
}

/** Tests start each case from a clean provider. */
export function resetLocalIdpState(): void {
  for (const name of [
    "forms",
    "codes",
    "refresh-tokens",
    "spent",
    "revoked-families",
    "revoked-grants",
  ]) {
    processStore(name).clear();
  }
}

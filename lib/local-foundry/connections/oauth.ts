import { createHash, randomBytes } from "node:crypto";
import { connectionClientSecret } from "@/lib/identity/local-idp/clients";
import { findDemoUserByOid } from "@/lib/identity/local-idp/users";
import { prefixedId } from "@/lib/ids";
import type { Exec } from "../store/db";
import type { OAuthConnectionConfig } from "./definitions";
import { insertConsentRequest } from "./store";

/** How long a consent link can be answered. */
export const CONSENT_TTL_MS = 30 * 60_000;

export type OAuthConnection = { name: string; config: OAuthConnectionConfig };

/**
 * A new consent request: the authorize URL of the connection's authorization server with the
 * exact redirect URI, `state` (random; bound server-side to user × connection × this request),
 * a PKCE S256 challenge (verifier kept server-side, sealed), `login_hint` and `prompt=consent`.
 */
export async function createConsentRequest(
  db: Exec,
  a: { connection: OAuthConnection; userId: string; serverLabel: string; responseId: string },
): Promise<{ id: string; link: string }> {
  const user = findDemoUserByOid(a.userId);
  if (!user) throw new Error("Only users of the local identity provider can give consent.");
  const id = prefixedId("oacr");
  const state = randomBytes(32).toString("base64url");
  const verifier = randomBytes(48).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  await insertConsentRequest(db, {
    id,
    state,
    userId: a.userId,
    connectionName: a.connection.name,
    serverLabel: a.serverLabel,
    responseId: a.responseId,
    codeVerifier: verifier,
    ttlMs: CONSENT_TTL_MS,
  });
  const c = a.connection.config;
  const url = new URL(c.authorizeUrl);
  url.searchParams.set("client_id", c.clientId);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("redirect_uri", c.redirectUri);
  url.searchParams.set("scope", c.scopes.join(" "));
  url.searchParams.set("state", state);
  url.searchParams.set("code_challenge", challenge);
  url.searchParams.set("code_challenge_method", "S256");
  url.searchParams.set("login_hint", user.username);
  url.searchParams.set("prompt", "consent");
  return { id, link: url.toString() };
}

export interface TokenSet {
  access_token: string;
  refresh_token: string | null;
  expires_in: number;
  scope: string;
}

/** The authorization server refused (RFC 6749 §5.2), e.g. `invalid_grant` for a revoked refresh token. */
export class TokenEndpointError extends Error {
  constructor(
    readonly error: string,
    message: string,
  ) {
    super(message);
    this.name = "TokenEndpointError";
  }
}

/** Redeems the consent's code (client secret + PKCE verifier). */
export function redeemCode(
  c: OAuthConnectionConfig,
  code: string,
  verifier: string,
): Promise<TokenSet> {
  return tokenRequest(c, {
    grant_type: "authorization_code",
    code,
    code_verifier: verifier,
    redirect_uri: c.redirectUri,
  });
}

export function refreshTokens(c: OAuthConnectionConfig, refreshToken: string): Promise<TokenSet> {
  return tokenRequest(c, {
    grant_type: "refresh_token",
    refresh_token: refreshToken,
    scope: c.scopes.join(" "),
  });
}

/** Revokes a refresh token at the authorization server (RFC 7009); best effort. */
export async function revokeRefreshToken(
  c: OAuthConnectionConfig,
  refreshToken: string,
): Promise<boolean> {
  if (!c.revokeUrl) return false;
  const res = await fetch(c.revokeUrl, {
    method: "POST",
    headers: await clientHeaders(c),
    body: new URLSearchParams({ token: refreshToken, token_type_hint: "refresh_token" }),
    signal: AbortSignal.timeout(10_000),
  });
  return res.ok;
}

async function tokenRequest(
  c: OAuthConnectionConfig,
  params: Record<string, string>,
): Promise<TokenSet> {
  const res = await fetch(c.tokenUrl, {
    method: "POST",
    headers: await clientHeaders(c),
    body: new URLSearchParams(params),
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok || typeof body.access_token !== "string") {
    throw new TokenEndpointError(
      typeof body.error === "string" ? body.error : `http_${res.status}`,
      typeof body.error_description === "string"
        ? body.error_description
        : `The token endpoint answered ${res.status}.`,
    );
  }
  return {
    access_token: body.access_token,
    refresh_token: typeof body.refresh_token === "string" ? body.refresh_token : null,
    expires_in: typeof body.expires_in === "number" ? body.expires_in : 3600,
    scope: typeof body.scope === "string" ? body.scope : c.scopes.join(" "),
  };
}

/** client_secret_basic (RFC 6749 §2.3.1: form-encoded id and secret). */
async function clientHeaders(c: OAuthConnectionConfig): Promise<Record<string, string>> {
  const secret = await connectionClientSecret();
  if (!secret)
    throw new TokenEndpointError("invalid_client", "The connection has no client secret yet.");
  const basic = Buffer.from(
    `${encodeURIComponent(c.clientId)}:${encodeURIComponent(secret)}`,
  ).toString("base64");
  return {
    authorization: `Basic ${basic}`,
    "content-type": "application/x-www-form-urlencoded",
    accept: "application/json",
  };
}

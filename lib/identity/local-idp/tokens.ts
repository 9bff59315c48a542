import { createHash, randomBytes } from "node:crypto";
import { SignJWT, type JWTPayload } from "jose";
import { FOUNDRY_AUDIENCE, getConfig } from "@/lib/config";
import { FOUNDRY_SCOPE_NAME, MAX_TOKEN_LIFETIME_SECONDS } from "../token-rules";
import { getLocalSigningKey } from "./keys";
import { DEMO_USERS, findDemoUser, findDemoUserByOid, type DemoUser } from "./users";

export interface MintOptions {
  username: string;
  /** "api" (default): this app's API; "foundry": the agent service; any other string is used as `aud`. */
  audience?: "api" | "foundry" | string;
  /** `scp` values; default `access_as_user` (api) or `user_impersonation` (foundry). */
  scopes?: string[];
  ttlSeconds?: number;
  /** The client the token was issued to (`azp`); default the SPA. */
  azp?: string;
  /**
   * The sign-in (grant) the token was issued from, as `sid`: revoking the grant revokes the token.
   * Only the token endpoint sets it; minted tokens (CLI, agent credential) belong to no grant.
   */
  grantId?: string;
}

export const DEFAULT_TTL_SECONDS = 3600;

/** Issuer of local v2 tokens; equal to what Entra puts in `iss` for its v2 tokens. */
export function localIssuer(): string {
  const { authorityHost, tenantId } = getConfig().identity;
  return `${authorityHost}/${tenantId}/v2.0`;
}

/** Mints an access token shaped like an Entra v2 delegated token for one of the demo users. */
export async function mintLocalAccessToken(opts: MintOptions): Promise<string> {
  const user = requireLocal(opts.username);
  const { apiScopeName, spaClientId } = getConfig().identity;
  const audience = resolveAudience(opts.audience);
  const defaultScope = audience === FOUNDRY_AUDIENCE ? FOUNDRY_SCOPE_NAME : apiScopeName;
  const claims: JWTPayload = {
    ...userClaims(user, audience),
    azp: opts.azp ?? spaClientId,
    azpacr: opts.azp && opts.azp !== spaClientId ? "1" : "0",
    scp: (opts.scopes ?? [defaultScope]).join(" "),
    ver: "2.0",
  };
  // Entra omits `roles` when the user has none; so do we.
  if (user.roles.length > 0) claims.roles = [...user.roles];
  if (opts.grantId) claims.sid = opts.grantId;
  return sign(claims, audience, opts.ttlSeconds);
}

/** The local agent-service credential acts on behalf of a signed-in user, whom it knows by `oid`. */
export async function mintLocalAccessTokenForUserId(
  oid: string,
  opts: Omit<MintOptions, "username"> = {},
): Promise<string> {
  const user = findDemoUserByOid(oid);
  if (!user) throw new Error(`No demo user has oid ${oid}.`);
  return mintLocalAccessToken({ ...opts, username: user.username });
}

/**
 * An app-only token (client credentials shape: no `scp`, `roles` for app roles, `idtyp: "app"`),
 * for callers such as an agent's project connection in embedded mode.
 */
export async function mintLocalAppAccessToken(opts: {
  appId: string;
  roles?: string[];
  audience?: "api" | "foundry" | string;
  ttlSeconds?: number;
}): Promise<string> {
  requireLocalMode();
  const { tenantId } = getConfig().identity;
  const audience = resolveAudience(opts.audience);
  const oid = guidFrom(`app:${opts.appId}`);
  const claims: JWTPayload = {
    tid: tenantId,
    oid,
    sub: oid,
    azp: opts.appId,
    azpacr: "1",
    idtyp: "app",
    roles: opts.roles ?? [],
    ver: "2.0",
  };
  return sign(claims, audience, opts.ttlSeconds);
}

/** The OpenID Connect ID token the local IdP returns next to the access token. */
export async function mintLocalIdToken(opts: {
  username: string;
  nonce?: string;
  ttlSeconds?: number;
}): Promise<string> {
  const user = requireLocal(opts.username);
  const { spaClientId } = getConfig().identity;
  const claims: JWTPayload = { ...userClaims(user, spaClientId), ver: "2.0" };
  if (user.roles.length > 0) claims.roles = [...user.roles];
  if (opts.nonce) claims.nonce = opts.nonce;
  return sign(claims, spaClientId, opts.ttlSeconds);
}

function requireLocalMode(): void {
  if (getConfig().identity.mode !== "local") {
    throw new Error(
      "Local tokens are only minted in embedded identity mode; this server is configured for Entra ID.",
    );
  }
}

function requireLocal(username: string): DemoUser {
  requireLocalMode();
  const user = findDemoUser(username);
  if (!user) {
    const known = DEMO_USERS.map((u) => u.username).join(", ");
    throw new Error(`Unknown demo user "${username}". Known users: ${known}.`);
  }
  return user;
}

function resolveAudience(audience: MintOptions["audience"]): string {
  if (audience === undefined || audience === "api") return getConfig().identity.apiClientId;
  if (audience === "foundry") return FOUNDRY_AUDIENCE;
  return audience;
}

function userClaims(user: DemoUser, audience: string): JWTPayload {
  return {
    tid: getConfig().identity.tenantId,
    oid: user.oid,
    // Entra's `sub` is pairwise (per user and application); mimic that so nobody keys on it.
    sub: pairwiseSub(user.oid, audience),
    preferred_username: user.preferredUsername,
    name: user.name,
  };
}

async function sign(
  claims: JWTPayload,
  audience: string,
  ttlSeconds = DEFAULT_TTL_SECONDS,
): Promise<string> {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0)
    throw new Error("ttlSeconds must be a positive integer.");
  // Verification refuses longer-lived tokens; minting one would only produce a token that fails.
  if (ttlSeconds > MAX_TOKEN_LIFETIME_SECONDS)
    throw new Error(
      `A token may be valid for at most ${MAX_TOKEN_LIFETIME_SECONDS} seconds (24 hours).`,
    );
  const { kid, privateKey } = await getLocalSigningKey();
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...claims, uti: randomBytes(16).toString("base64url") })
    .setProtectedHeader({ alg: "RS256", typ: "JWT", kid })
    .setIssuer(localIssuer())
    .setAudience(audience)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(privateKey);
}

function pairwiseSub(oid: string, audience: string): string {
  return createHash("sha256").update(`${oid}|${audience}`).digest("base64url").slice(0, 43);
}

/** A stable GUID-shaped id derived from a name (app principals have no fixed table). */
function guidFrom(name: string): string {
  const h = createHash("sha256").update(name).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

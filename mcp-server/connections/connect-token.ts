import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { SignJWT, jwtVerify, type JWTPayload } from "jose";
import { getConfig } from "@/lib/config";
import type { ConnectableProvider } from "@/mcp-server/providers/types";

/**
 * The connect link is opened in a browser popup that carries no bearer token, so the link itself
 * carries a short-lived HS256 token bound to one user and one provider. It only lets that user
 * connect that provider to their own account; it is useless for anything else and expires in
 * minutes (CONNECT_TOKEN_TTL_SECONDS).
 */
const AUDIENCE = "provider-connect";
const ISSUER = "foundry-agent-chat";

export interface ConnectClaims {
  userId: string;
  provider: ConnectableProvider;
  username: string;
}

let cachedKey: Uint8Array | undefined;

function key(): Uint8Array {
  if (cachedKey) return cachedKey;
  const cfg = getConfig().connections;
  if (cfg.tokenSecret) {
    cachedKey = new TextEncoder().encode(cfg.tokenSecret);
    return cachedKey;
  }
  // No configured secret: one random key per data directory, created once, never logged.
  const file = cfg.tokenSecretPath;
  try {
    cachedKey = Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64url");
  } catch {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const fresh = randomBytes(32).toString("base64url");
    try {
      fs.writeFileSync(file, fresh, { mode: 0o600, flag: "wx" });
    } catch {
      // Another process won the race; use its key.
    }
    cachedKey = Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64url");
  }
  return cachedKey;
}

/** For tests that change CONNECT_TOKEN_SECRET between cases. */
export function resetConnectTokenKey(): void {
  cachedKey = undefined;
}

/**
 * A short-lived link token for one user: HS256 with the connect-link key, expiring after
 * CONNECT_TOKEN_TTL_SECONDS. Each kind of link has its own `audience`, so one kind's token is
 * useless as another's (provider connect links here, Composio's in providers/composio/).
 */
export async function signLinkToken(
  audience: string,
  userId: string,
  claims: Record<string, string>,
  now = new Date(),
): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + getConfig().connections.tokenTtlSeconds)
    .sign(key());
}

/** Signature, issuer, audience and expiry of a link token; its claims, or undefined. */
export async function verifyLinkToken(
  token: string,
  audience: string,
): Promise<(JWTPayload & { sub: string }) | undefined> {
  try {
    const { payload } = await jwtVerify(token, key(), {
      audience,
      issuer: ISSUER,
      algorithms: ["HS256"],
    });
    return typeof payload.sub === "string" ? { ...payload, sub: payload.sub } : undefined;
  } catch {
    return undefined;
  }
}

export async function createConnectToken(claims: ConnectClaims, now = new Date()): Promise<string> {
  return signLinkToken(
    AUDIENCE,
    claims.userId,
    { provider: claims.provider, username: claims.username },
    now,
  );
}

/** Verifies signature, audience, expiry and that the token was minted for `provider`; undefined otherwise. */
export async function verifyConnectToken(
  token: string,
  provider: string,
): Promise<ConnectClaims | undefined> {
  const payload = await verifyLinkToken(token, AUDIENCE);
  if (!payload || payload.provider !== provider) return undefined;
  return {
    userId: payload.sub,
    provider: payload.provider as ConnectableProvider,
    username: String(payload.username ?? ""),
  };
}

/**
 * `${APP_URL}/connect/<provider>#token=<token>`: the token travels in the fragment, which browsers
 * never send to a server, so it appears in no request line, access log or proxy log; the page
 * reads it client-side and posts it (app/connect/[provider]/ConnectConfirm.tsx).
 */
export async function connectUrl(claims: ConnectClaims): Promise<string> {
  const token = await createConnectToken(claims);
  return `${getConfig().appUrl}/connect/${claims.provider}#token=${encodeURIComponent(token)}`;
}

/** The token of a connect link (`#token=…`), or undefined. */
export function tokenOfConnectUrl(url: string): string | undefined {
  const hash = new URL(url).hash.replace(/^#/, "");
  return new URLSearchParams(hash).get("token") ?? undefined;
}

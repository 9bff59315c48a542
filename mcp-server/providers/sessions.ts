import { and, eq } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { providerSessions } from "@/lib/db/schema";
import { ToolError } from "@/mcp-server/catalog/types";
import { sandboxSessionIssuer } from "./sandbox/session-issuer";
import { ProviderAuthError, type ProviderSession } from "./types";

/** Sessions live one hour, like Composio Tool Router sessions. */
export const SESSION_TTL_MS = 60 * 60 * 1000;
/** Renew a little early so a call never starts on a session about to lapse mid-flight. */
const RENEW_MARGIN_MS = 60 * 1000;

/** Whoever issues sessions for a provider (the sandbox here; a real adapter's login call later). */
export interface SessionIssuer {
  create(userId: string, provider: string, ttlMs: number): Promise<ProviderSession>;
}

export interface SessionOptions {
  issuer?: SessionIssuer;
  now?: () => Date;
}

/**
 * Runs `fn` with the user's cached provider session: creates one when there is none or it has
 * expired, and when the provider still answers 401/403 (revoked, rotated, clock skew) recreates
 * it and retries exactly once. A second rejection is reported as `session_expired` (retriable).
 * The cache is a table, so every replica shares one session per user and provider.
 */
export async function withProviderSession<T>(
  userId: string,
  provider: string,
  fn: (session: ProviderSession) => Promise<T>,
  options: SessionOptions = {},
): Promise<T> {
  const issuer = options.issuer ?? sandboxSessionIssuer;
  const now = options.now ?? (() => new Date());

  let session = await cachedSession(userId, provider, now());
  session ??= await renewSession(userId, provider, issuer);
  try {
    return await fn(session);
  } catch (err) {
    if (!(err instanceof ProviderAuthError)) throw err;
  }
  session = await renewSession(userId, provider, issuer);
  try {
    return await fn(session);
  } catch (err) {
    if (err instanceof ProviderAuthError) {
      throw new ToolError(
        "session_expired",
        `The ${provider} session was rejected twice (HTTP ${err.status}); try again shortly.`,
        {
          retriable: true,
          provider,
        },
      );
    }
    throw err;
  }
}

async function cachedSession(
  userId: string,
  provider: string,
  at: Date,
): Promise<ProviderSession | undefined> {
  const db = await getDb();
  const [row] = await db
    .select()
    .from(providerSessions)
    .where(and(eq(providerSessions.userId, userId), eq(providerSessions.provider, provider)));
  if (!row || row.expiresAt.getTime() - RENEW_MARGIN_MS <= at.getTime()) return undefined;
  return { id: row.sessionId, userId, provider, expiresAt: row.expiresAt };
}

async function renewSession(
  userId: string,
  provider: string,
  issuer: SessionIssuer,
): Promise<ProviderSession> {
  const session = await issuer.create(userId, provider, SESSION_TTL_MS);
  const db = await getDb();
  await db
    .insert(providerSessions)
    .values({ userId, provider, sessionId: session.id, expiresAt: session.expiresAt })
    .onConflictDoUpdate({
      target: [providerSessions.userId, providerSessions.provider],
      set: { sessionId: session.id, expiresAt: session.expiresAt, createdAt: new Date() },
    });
  return session;
}

/** Forgets the cached session (used when a user disconnects a provider). */
export async function dropProviderSession(userId: string, provider: string): Promise<void> {
  const db = await getDb();
  await db
    .delete(providerSessions)
    .where(and(eq(providerSessions.userId, userId), eq(providerSessions.provider, provider)));
}

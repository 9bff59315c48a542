import { and, eq, isNull, sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { sandboxSessions } from "@/lib/db/schema";
import { prefixedId } from "@/lib/ids";
import type { SessionIssuer } from "../sessions";
import { ProviderAuthError, type ProviderSession } from "../types";

/**
 * The sandbox side of provider sessions: it issues sessions and checks them on every call, as a
 * real provider would. Sessions can be expired on demand so the renew-and-retry path is real.
 */
export const sandboxSessionIssuer: SessionIssuer = {
  async create(userId, provider, ttlMs) {
    const session: ProviderSession = {
      id: prefixedId("sess", 16),
      userId,
      provider,
      expiresAt: new Date(Date.now() + ttlMs),
    };
    const db = await getDb();
    await db
      .insert(sandboxSessions)
      .values({ id: session.id, userId, provider, expiresAt: session.expiresAt });
    return session;
  },
};

// Test/demo hook: make the next N checks of (user, provider) fail regardless of the session.
const KEY = Symbol.for("foundry-agent-chat.sandbox-session-faults");
type Holder = { [KEY]?: Map<string, number> };
function faults(): Map<string, number> {
  const g = globalThis as Holder;
  g[KEY] ??= new Map();
  return g[KEY];
}

/** Throws ProviderAuthError(401) unless `session` is a live session this sandbox issued to this user. */
export async function assertSandboxSession(
  session: ProviderSession,
  userId: string,
  provider: string,
): Promise<void> {
  const key = `${userId}\u0000${provider}`;
  const pending = faults().get(key) ?? 0;
  if (pending > 0) {
    faults().set(key, pending - 1);
    throw new ProviderAuthError(401, "Sandbox: session rejected (fault injected).");
  }
  const db = await getDb();
  const [row] = await db.select().from(sandboxSessions).where(eq(sandboxSessions.id, session.id));
  if (!row || row.userId !== userId || row.provider !== provider)
    throw new ProviderAuthError(401, "Sandbox: unknown session.");
  if (row.revokedAt) throw new ProviderAuthError(401, "Sandbox: session revoked.");
  if (row.expiresAt.getTime() <= Date.now())
    throw new ProviderAuthError(401, "Sandbox: session expired.");
}

/**
 * For sandbox services reached over HTTP (the dealer API): who owns the bearer session. Throws
 * ProviderAuthError(401) for unknown, revoked, expired or foreign-provider sessions.
 */
export async function sandboxSessionOwner(sessionId: string, provider: string): Promise<string> {
  const db = await getDb();
  const [row] = await db.select().from(sandboxSessions).where(eq(sandboxSessions.id, sessionId));
  if (!row || row.provider !== provider)
    throw new ProviderAuthError(401, "Sandbox: unknown session.");
  await assertSandboxSession(
    { id: row.id, userId: row.userId, provider, expiresAt: row.expiresAt },
    row.userId,
    provider,
  );
  return row.userId;
}

/** Expires every live session of a user (optionally one provider) at the provider, not in our cache. */
export async function expireSandboxSessions(userId: string, provider?: string): Promise<number> {
  const db = await getDb();
  const rows = await db
    .update(sandboxSessions)
    .set({ revokedAt: sql`now()` })
    .where(
      and(
        eq(sandboxSessions.userId, userId),
        isNull(sandboxSessions.revokedAt),
        provider ? eq(sandboxSessions.provider, provider) : undefined,
      ),
    )
    .returning({ id: sandboxSessions.id });
  return rows.length;
}

/** Rejects the next `count` session checks for (user, provider) with 401. */
export function rejectNextSandboxSessionChecks(
  userId: string,
  provider: string,
  count: number,
): void {
  faults().set(`${userId}\u0000${provider}`, count);
}

export function clearSandboxSessionFaults(): void {
  faults().clear();
}

import { eq, lt } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { localIdpRevokedGrants } from "@/lib/db/schema";
import { processStore } from "./store";

/**
 * Revoked local-IdP grants. A grant is one sign-in (one authorization code and the refresh tokens
 * rotated from it); every access token issued from it names it in `sid`. The IdP's own state is in
 * process memory, but its access tokens are verified on every replica that shares its key, so a
 * revocation is written to the database; this process also remembers it, so its own next check
 * needs no query.
 */
const revokedHere = () => processStore<true>("revoked-grants");

/** Revokes a grant's access tokens until `untilMs` (epoch ms), when none of them can be valid. */
export async function revokeGrantAccessTokens(grantId: string, untilMs: number): Promise<void> {
  revokedHere().set(grantId, true, Math.max(0, untilMs - Date.now()));
  const db = await getDb();
  const expiresAt = new Date(untilMs);
  // Old rows can go: their tokens have expired on their own.
  await db.delete(localIdpRevokedGrants).where(lt(localIdpRevokedGrants.expiresAt, new Date()));
  await db
    .insert(localIdpRevokedGrants)
    .values({ grantId, expiresAt })
    .onConflictDoUpdate({ target: localIdpRevokedGrants.grantId, set: { expiresAt } });
}

/** Whether access tokens of this grant were revoked (here or on another replica). */
export async function isGrantRevoked(grantId: string): Promise<boolean> {
  if (revokedHere().get(grantId)) return true;
  const db = await getDb();
  const [row] = await db
    .select({ expiresAt: localIdpRevokedGrants.expiresAt })
    .from(localIdpRevokedGrants)
    .where(eq(localIdpRevokedGrants.grantId, grantId))
    .limit(1);
  return row !== undefined && row.expiresAt.getTime() > Date.now();
}

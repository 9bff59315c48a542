import { eq, sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { sealedSecrets } from "@/lib/db/schema";
import { open, seal } from "./seal";

/**
 * Small secrets kept encrypted in `sealed_secrets` (see ./seal.ts). Each value is sealed with its
 * row key as associated data, so a ciphertext copied to another key does not open there.
 * Plaintext is never logged, and never leaves this module except to the caller.
 */

function associatedData(key: string): string {
  return `sealed_secrets:${key}`;
}

/** Inserts or replaces the secret stored under `key`. */
export async function putSealed(key: string, plaintext: string): Promise<void> {
  const db = await getDb();
  const ciphertext = seal(plaintext, associatedData(key));
  const now = new Date();
  await db
    .insert(sealedSecrets)
    .values({ key, ciphertext, updatedAt: now })
    .onConflictDoUpdate({
      target: sealedSecrets.key,
      set: { ciphertext: sql`excluded.ciphertext`, updatedAt: sql`excluded.updated_at` },
    });
}

/**
 * The secret stored under `key`, or undefined when there is none. Throws `SealError` when the row
 * exists but cannot be opened (changed, moved from another key, or sealed with another key).
 */
export async function getSealed(key: string): Promise<string | undefined> {
  const db = await getDb();
  const [row] = await db
    .select({ ciphertext: sealedSecrets.ciphertext })
    .from(sealedSecrets)
    .where(eq(sealedSecrets.key, key))
    .limit(1);
  return row ? open(row.ciphertext, associatedData(key)) : undefined;
}

/** Removes the secret; true when there was one. */
export async function deleteSealed(key: string): Promise<boolean> {
  const db = await getDb();
  const deleted = await db
    .delete(sealedSecrets)
    .where(eq(sealedSecrets.key, key))
    .returning({ key: sealedSecrets.key });
  return deleted.length > 0;
}

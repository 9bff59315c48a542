import { createHash, randomBytes } from "node:crypto";
import { and, eq, isNull, or } from "drizzle-orm";
import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db/client";
import { isUniqueViolation } from "@/lib/db/errors";
import { mcpApiKeys, users } from "@/lib/db/schema";
import { findDemoUser } from "@/lib/identity/local-idp/users";
import type { Principal } from "@/lib/identity/principal";

/** Header a Foundry key-based connection sends (set the connection's credential name to this). */
export const API_KEY_HEADER = "x-api-key";
const KEY_PREFIX = "fac_mcp_";

/** What a key's name may be (the CLI and the admin API check the same rule). */
export const KEY_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const KEY_NAME_RULE = "The name may use letters, digits, '.', '_' and '-' (at most 64).";

/** A key with this name exists already (names are unique, revoked keys included). */
export class ApiKeyNameTakenError extends Error {
  constructor(readonly keyName: string) {
    super(`A key named "${keyName}" already exists.`);
    this.name = "ApiKeyNameTakenError";
  }
}

export interface ApiKeyInfo {
  id: string;
  name: string;
  keyPrefix: string;
  kind: "app" | "user";
  userId: string | null;
  roles: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** Creates a key and returns it once; only its hash is stored. */
export async function createApiKey(
  opts:
    { name: string; kind: "app"; roles: string[] } | { name: string; kind: "user"; userId: string },
): Promise<{ key: string; info: ApiKeyInfo }> {
  const key = `${KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  const db = await getDb();
  let row: typeof mcpApiKeys.$inferSelect | undefined;
  try {
    [row] = await db
      .insert(mcpApiKeys)
      .values({
        id: `key_${randomBytes(8).toString("hex")}`,
        name: opts.name,
        keyHash: hashApiKey(key),
        keyPrefix: key.slice(0, KEY_PREFIX.length + 6),
        kind: opts.kind,
        userId: opts.kind === "user" ? opts.userId : null,
        roles: opts.kind === "app" ? opts.roles : [],
      })
      .returning();
  } catch (err) {
    // The hash carries 256 random bits, so a unique violation can only be the name.
    if (isUniqueViolation(err)) throw new ApiKeyNameTakenError(opts.name);
    throw err;
  }
  return { key, info: toInfo(row!) };
}

export async function getApiKey(id: string): Promise<ApiKeyInfo | undefined> {
  const db = await getDb();
  const [row] = await db.select().from(mcpApiKeys).where(eq(mcpApiKeys.id, id));
  return row ? toInfo(row) : undefined;
}

export async function listApiKeys(): Promise<ApiKeyInfo[]> {
  const db = await getDb();
  const rows = await db.select().from(mcpApiKeys).orderBy(mcpApiKeys.createdAt);
  return rows.map(toInfo);
}

/** Everything about a key except its hash. */
function toInfo(r: typeof mcpApiKeys.$inferSelect): ApiKeyInfo {
  return {
    id: r.id,
    name: r.name,
    keyPrefix: r.keyPrefix,
    kind: r.kind,
    userId: r.userId,
    roles: r.roles,
    createdAt: r.createdAt,
    lastUsedAt: r.lastUsedAt,
    revokedAt: r.revokedAt,
  };
}

export async function revokeApiKey(name: string): Promise<boolean> {
  const db = await getDb();
  const rows = await db
    .update(mcpApiKeys)
    .set({ revokedAt: new Date() })
    .where(eq(mcpApiKeys.name, name))
    .returning({ id: mcpApiKeys.id });
  return rows.length > 0;
}

/**
 * Revokes a key by id. `revoked` is true only for the call that revoked it; revoking a revoked
 * key again changes nothing (its first `revokedAt` stays). Undefined when no key has this id.
 */
export async function revokeApiKeyById(
  id: string,
): Promise<{ info: ApiKeyInfo; revoked: boolean } | undefined> {
  const db = await getDb();
  const [row] = await db
    .update(mcpApiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(mcpApiKeys.id, id), isNull(mcpApiKeys.revokedAt)))
    .returning();
  if (row) return { info: toInfo(row), revoked: true };
  const info = await getApiKey(id);
  return info ? { info, revoked: false } : undefined;
}

/**
 * The user a user key will act as: one who signed in once (any mode, by username or id), or a
 * demo user of the local IdP (recorded now). Undefined when there is no such user.
 */
export async function resolveKeyUser(
  username: string,
): Promise<{ id: string; username: string } | undefined> {
  const db = await getDb();
  const wanted = username.trim().toLowerCase();
  const [row] = await db
    .select()
    .from(users)
    .where(or(eq(users.username, wanted), eq(users.id, username.trim())));
  if (row) return { id: row.id, username: row.username };
  const config = getConfig();
  if (config.identity.mode !== "local") return undefined;
  const demo = findDemoUser(username);
  if (!demo) return undefined;
  await db
    .insert(users)
    .values({
      id: demo.oid,
      tenantId: config.identity.tenantId,
      username: demo.preferredUsername,
      name: demo.name,
      roles: [...demo.roles],
    })
    .onConflictDoNothing();
  return { id: demo.oid, username: demo.preferredUsername };
}

const USED_WRITE_INTERVAL_MS = 60_000;
const lastUsedWrites = new Map<string, number>();

/**
 * The principal a key stands for, or undefined when it is unknown or revoked. An app key is its
 * own app principal with the roles given at creation; a user key acts as that user with the
 * user's current roles. Neither carries a token: nothing can be exchanged or passed on.
 */
export async function principalForApiKey(key: string): Promise<Principal | undefined> {
  const db = await getDb();
  const [row] = await db
    .select({ key: mcpApiKeys, user: users })
    .from(mcpApiKeys)
    .leftJoin(users, eq(users.id, mcpApiKeys.userId))
    .where(eq(mcpApiKeys.keyHash, hashApiKey(key)));
  if (!row || row.key.revokedAt) return undefined;
  await touch(row.key.id);
  const { tenantId, apiScopeName } = getConfig().identity;
  if (row.key.kind === "user") {
    if (!row.user) return undefined;
    const u = row.user;
    return {
      userId: u.id,
      tenantId: u.tenantId,
      username: u.username,
      name: u.name,
      roles: u.roles,
      scopes: [apiScopeName],
      kind: "user",
      token: "",
    };
  }
  return {
    userId: row.key.id,
    tenantId,
    username: `key:${row.key.name}`,
    name: `${row.key.name} (access key)`,
    roles: row.key.roles,
    scopes: [],
    kind: "app",
    token: "",
  };
}

/** Records use at most once a minute per key and process (a write per call would be waste). */
async function touch(id: string): Promise<void> {
  const now = Date.now();
  if (now - (lastUsedWrites.get(id) ?? 0) < USED_WRITE_INTERVAL_MS) return;
  lastUsedWrites.set(id, now);
  const db = await getDb();
  await db
    .update(mcpApiKeys)
    .set({ lastUsedAt: new Date(now) })
    .where(eq(mcpApiKeys.id, id));
}

import { logger } from "@/lib/log";
import { SealError } from "@/lib/secrets/seal";
import { deleteSealed, getSealed, putSealed } from "@/lib/secrets/store";

/**
 * A user's Google tokens, sealed at rest (lib/secrets: AES-256-GCM, the row key as associated
 * data). The refresh token is the long-lived credential; the access token is kept so that every
 * replica can use it until it expires instead of each redeeming the refresh token.
 */
const grantKey = (userId: string) => `gmail-oauth:${userId}`;
const accessKey = (userId: string) => `gmail-access:${userId}`;

export interface GmailGrant {
  refreshToken: string;
  /** The Gmail scopes Google granted. */
  scopes: string[];
}

export interface GmailAccessToken {
  accessToken: string;
  expiresAt: number;
}

export async function saveGrant(userId: string, grant: GmailGrant): Promise<void> {
  await putSealed(grantKey(userId), JSON.stringify(grant));
}

export async function readGrant(userId: string): Promise<GmailGrant | undefined> {
  return readJson<GmailGrant>(grantKey(userId), (v) => typeof v.refreshToken === "string");
}

export async function saveAccessToken(userId: string, token: GmailAccessToken): Promise<void> {
  await putSealed(accessKey(userId), JSON.stringify(token));
}

/** The stored access token while it is still good for a minute; undefined otherwise. */
export async function readAccessTokenRecord(
  userId: string,
  now = Date.now(),
): Promise<GmailAccessToken | undefined> {
  const token = await readJson<GmailAccessToken>(
    accessKey(userId),
    (v) => typeof v.accessToken === "string" && typeof v.expiresAt === "number",
  );
  return token && token.expiresAt - 60_000 > now ? token : undefined;
}

export async function readAccessToken(userId: string, now = Date.now()) {
  return (await readAccessTokenRecord(userId, now))?.accessToken;
}

/**
 * Forgets the stored access token after Google refused it, unless it was already replaced (by
 * another replica's refresh), which stays.
 */
export async function forgetAccessToken(userId: string, refused: string): Promise<void> {
  if ((await readAccessToken(userId, 0)) === refused) await deleteSealed(accessKey(userId));
}

export async function forgetTokens(userId: string): Promise<void> {
  await Promise.all([deleteSealed(grantKey(userId)), deleteSealed(accessKey(userId))]);
}

/** A row that no longer opens (key changed, row tampered with) counts as absent: reconnect. */
async function readJson<T>(
  key: string,
  valid: (v: Record<string, unknown>) => boolean,
): Promise<T | undefined> {
  let text: string | undefined;
  try {
    text = await getSealed(key);
  } catch (err) {
    if (!(err instanceof SealError)) throw err;
    logger().warn({ sealedKind: key.split(":")[0] }, "a sealed Gmail token could not be opened");
    return undefined;
  }
  if (text === undefined) return undefined;
  const value = JSON.parse(text) as Record<string, unknown>;
  return value && typeof value === "object" && valid(value) ? (value as T) : undefined;
}

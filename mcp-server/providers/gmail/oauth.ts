import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { and, like, lt } from "drizzle-orm";
import { CodeChallengeMethod } from "google-auth-library";
import { getDb } from "@/lib/db/client";
import { sealedSecrets } from "@/lib/db/schema";
import { logger } from "@/lib/log";
import { SealError } from "@/lib/secrets/seal";
import { deleteSealed, getSealed, putSealed } from "@/lib/secrets/store";
import { recordConnection } from "@/mcp-server/connections/store";
import { gmailApi, oauthClient } from "./client";
import { describeFailure } from "./errors";
import { GMAIL_COMPOSE, GMAIL_READONLY, GMAIL_SCOPES, gmailScopesOf } from "./scopes";
import { dropGmailConnection } from "./session";
import { readGrant, saveAccessToken, saveGrant } from "./tokens";

/**
 * Google's OAuth 2.0 web-server flow for one user's Gmail
 * (developers.google.com/identity/protocols/oauth2/web-server): authorization code with PKCE
 * (S256), offline access (a refresh token), consent shown every time (so Google issues a refresh
 * token again after a disconnect), and incremental authorization (`include_granted_scopes`).
 *
 * `state` is 256 random bits, single-use, expiring with the pending authorization, whose server-side
 * record names the user the signed connect link (or bearer) named. The same record holds the PKCE
 * verifier and the hash of a browser-binding value the caller puts in a cookie, so a callback is
 * only accepted in the browser that started it: a forged callback (unknown state), a replayed one
 * (state already used) and an authorization URL sent to someone else (no cookie) are all refused.
 */

/** How long the user may take on Google's pages. */
export const AUTHORIZATION_TTL_MS = 10 * 60 * 1000;
const PENDING = "gmail-oauth-state:";

interface Pending {
  userId: string;
  username: string;
  verifier: string;
  bindingHash: string;
  expiresAt: number;
}

/** A callback that cannot connect anything, with what to tell the user and the HTTP status. */
export class ConnectFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ConnectFailure";
  }
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("base64url");
const pendingKey = (state: string) => `${PENDING}${sha256(state)}`;

/** Where the consent page sends the user, and the value to bind to their browser (a cookie). */
export async function startAuthorization(user: {
  userId: string;
  username: string;
}): Promise<{ authorizationUrl: string; binding: string }> {
  const client = oauthClient();
  const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
  const state = randomBytes(32).toString("base64url");
  const binding = randomBytes(32).toString("base64url");
  await sweepExpired();
  const pending: Pending = {
    userId: user.userId,
    username: user.username,
    verifier: codeVerifier,
    bindingHash: sha256(binding),
    expiresAt: Date.now() + AUTHORIZATION_TTL_MS,
  };
  await putSealed(pendingKey(state), JSON.stringify(pending));
  const authorizationUrl = client.generateAuthUrl({
    access_type: "offline",
    prompt: "consent",
    include_granted_scopes: true,
    scope: [...GMAIL_SCOPES],
    state,
    code_challenge_method: CodeChallengeMethod.S256,
    code_challenge: codeChallenge,
  });
  return { authorizationUrl, binding };
}

/** Pending authorizations nobody came back for. */
async function sweepExpired(): Promise<void> {
  const db = await getDb();
  await db
    .delete(sealedSecrets)
    .where(
      and(
        like(sealedSecrets.key, `${PENDING}%`),
        lt(sealedSecrets.updatedAt, new Date(Date.now() - AUTHORIZATION_TTL_MS)),
      ),
    );
}

/** Takes the pending authorization of `state` out of storage: it can be used once. */
async function takePending(state: string): Promise<Pending | undefined> {
  const key = pendingKey(state);
  let text: string | undefined;
  try {
    text = await getSealed(key);
  } catch (err) {
    // A row that does not open (key rotated, tampered with) is as good as none.
    if (!(err instanceof SealError)) throw err;
    text = undefined;
  }
  // Only the caller whose delete removed the row may use it (two racing callbacks: one wins).
  if (!(await deleteSealed(key)) || text === undefined) return undefined;
  const pending = JSON.parse(text) as Pending;
  return pending.expiresAt > Date.now() ? pending : undefined;
}

function sameBinding(binding: string | undefined, hash: string): boolean {
  if (!binding) return false;
  const a = Buffer.from(sha256(binding));
  const b = Buffer.from(hash);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The user cancelled at Google (or Google reported an error): the state cannot be used again. */
export async function abandonAuthorization(state: string): Promise<void> {
  await deleteSealed(pendingKey(state));
}

export interface Connected {
  userId: string;
  accountLabel: string;
  scopes: string[];
}

/**
 * The callback: checks state and browser binding, exchanges the code (POST
 * oauth2.googleapis.com/token with the PKCE verifier), reads the Gmail address
 * (users.getProfile), seals the tokens and records the connection with the granted scopes.
 */
export async function completeAuthorization(args: {
  state: string;
  code: string;
  binding: string | undefined;
}): Promise<Connected> {
  const pending = await takePending(args.state);
  if (!pending)
    throw new ConnectFailure(
      400,
      "This sign-in has expired or was already used. Start again from the chat.",
    );
  if (!sameBinding(args.binding, pending.bindingHash))
    throw new ConnectFailure(
      403,
      "This sign-in was started in another browser. Start again from the chat.",
    );

  const client = oauthClient();
  let tokens;
  try {
    ({ tokens } = await client.getToken({ code: args.code, codeVerifier: pending.verifier }));
  } catch (err) {
    const f = describeFailure(err);
    logger().warn(
      { provider: "gmail", status: f.status, reason: f.reason, code: f.code },
      "Google refused the authorization code",
    );
    throw f.reason === "invalid_grant"
      ? new ConnectFailure(400, "Google did not accept this sign-in. Start again from the chat.")
      : new ConnectFailure(502, "Google could not complete the sign-in. Try again shortly.");
  }
  const scopes = gmailScopesOf(tokens.scope ?? undefined);
  if (!tokens.access_token || scopes.length === 0) {
    await revoke(tokens.refresh_token ?? tokens.access_token ?? undefined);
    throw new ConnectFailure(
      403,
      "No Gmail access was allowed, so nothing was connected. Start again and allow access to Gmail.",
    );
  }
  // With prompt=consent Google sends a refresh token every time; keep the old one if it did not.
  const refreshToken = tokens.refresh_token ?? (await readGrant(pending.userId))?.refreshToken;
  if (!refreshToken)
    throw new ConnectFailure(502, "Google did not issue a refresh token. Try again.");

  const accountLabel = await gmailAddress(tokens.access_token, scopes, pending.username);
  await saveGrant(pending.userId, { refreshToken, scopes });
  await saveAccessToken(pending.userId, {
    accessToken: tokens.access_token,
    expiresAt: tokens.expiry_date ?? Date.now() + 3600_000,
  });
  await recordConnection(pending.userId, "gmail", accountLabel, scopes);
  logger().info({ userId: pending.userId, provider: "gmail", scopes }, "Gmail connected");
  return { userId: pending.userId, accountLabel, scopes };
}

/**
 * users.getProfile names the account; it needs gmail.readonly or gmail.compose. With only
 * gmail.send granted the address cannot be read, and the user's sign-in name labels it instead.
 */
async function gmailAddress(accessToken: string, scopes: string[], fallback: string) {
  if (!scopes.includes(GMAIL_READONLY) && !scopes.includes(GMAIL_COMPOSE)) return fallback;
  try {
    const { data } = await gmailApi(accessToken).users.getProfile({ userId: "me" });
    return data.emailAddress || fallback;
  } catch (err) {
    const f = describeFailure(err);
    logger().warn(
      { provider: "gmail", status: f.status, reason: f.reason },
      "Gmail profile unreadable",
    );
    return fallback;
  }
}

/**
 * Disconnect: the connection and sealed tokens go first; then the refresh token is revoked at
 * Google (POST oauth2.googleapis.com/revoke, token in the form body), best-effort: a failure is
 * logged and the user can still remove the app at myaccount.google.com.
 */
export async function disconnectGmail(userId: string): Promise<void> {
  const grant = await readGrant(userId);
  await dropGmailConnection(userId);
  await revoke(grant?.refreshToken);
}

async function revoke(token: string | undefined): Promise<void> {
  if (!token) return;
  const client = oauthClient();
  try {
    await client.transporter.request({
      url: client.endpoints.oauth2RevokeUrl.toString(),
      method: "POST",
      data: new URLSearchParams({ token }),
      signal: AbortSignal.timeout(5_000),
    });
  } catch (err) {
    const f = describeFailure(err);
    logger().warn(
      { provider: "gmail", status: f.status, reason: f.reason, code: f.code },
      "revoking the Google token failed",
    );
  }
}

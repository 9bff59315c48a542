import { randomBytes } from "node:crypto";
import type { Principal } from "@/lib/identity/principal";
import { logger } from "@/lib/log";
import { ToolError } from "@/mcp-server/catalog/types";
import { connectUrl } from "@/mcp-server/connections/connect-token";
import { getConnection, removeConnection } from "@/mcp-server/connections/store";
import type { SessionIssuer } from "../sessions";
import { ProviderAuthError, type ProviderSession } from "../types";
import { oauthClient } from "./client";
import { describeFailure } from "./errors";
import { OPERATION_LABEL, allows, type GmailOperation } from "./scopes";
import {
  forgetTokens,
  readAccessToken,
  readAccessTokenRecord,
  readGrant,
  saveAccessToken,
} from "./tokens";

/** auth_required with a fresh connect link for this user (the consent popup starts Google's flow). */
export async function reconnect(principal: Principal, message: string): Promise<ToolError> {
  const url = await connectUrl({
    userId: principal.userId,
    provider: "gmail",
    username: principal.username,
  });
  return new ToolError("auth_required", message, {
    connectUrl: url,
    provider: "gmail",
    retriable: true,
  });
}

/** The connection and the sealed tokens go together: neither is useful without the other. */
export async function dropGmailConnection(userId: string): Promise<void> {
  await removeConnection(userId, "gmail");
  await forgetTokens(userId);
}

/**
 * A tool may only use what Google granted: the recorded scopes must allow its operation, else
 * auth_required with a link to connect again (Google's screen then offers the missing scope).
 * No connection at all is left to callProvider, which answers the same way. Returns the granted
 * scopes.
 */
export async function requireGmailScope(
  principal: Principal,
  op: GmailOperation,
): Promise<string[]> {
  const connection = await getConnection(principal.userId, "gmail");
  if (!connection) return [];
  if (allows(connection.scopes, op)) return connection.scopes;
  throw await reconnect(
    principal,
    `Your Gmail connection does not allow the assistant to ${OPERATION_LABEL[op]}. Connect Gmail again and allow it, then try again.`,
  );
}

/**
 * Sessions of the live Gmail provider: a session is an opaque handle (what provider_sessions
 * stores) for the access token, which is sealed beside the refresh token. Creating one uses the
 * stored access token while it is good (the one from the code exchange, or another replica's),
 * else redeems the refresh token (POST oauth2.googleapis.com/token, grant_type=refresh_token); a
 * token Google refused is forgotten first (withGmail), so a renewal always refreshes. A revoked
 * or expired grant (`invalid_grant`) removes the connection and asks the user to connect again.
 */
export function gmailSessionIssuer(principal: Principal): SessionIssuer {
  return {
    async create(userId, provider, ttlMs): Promise<ProviderSession> {
      const stored = await readAccessTokenRecord(userId);
      if (stored) return session(userId, provider, Math.min(stored.expiresAt, Date.now() + ttlMs));
      const grant = await readGrant(userId);
      if (!grant) {
        // Connected in sandbox mode, or the sealed row was lost: only a new consent helps.
        await dropGmailConnection(userId);
        throw await reconnect(
          principal,
          "Connect your Gmail account to use this tool, then try again.",
        );
      }
      const client = oauthClient();
      client.setCredentials({ refresh_token: grant.refreshToken });
      let credentials;
      try {
        ({ credentials } = await client.refreshAccessToken());
      } catch (err) {
        throw await refreshFailure(principal, err);
      }
      if (!credentials.access_token)
        throw new ToolError("provider_error", "Google issued no access token.", {
          retriable: true,
          provider: "gmail",
        });
      const expiresAt = credentials.expiry_date ?? Date.now() + 3600_000;
      await saveAccessToken(userId, { accessToken: credentials.access_token, expiresAt });
      return session(userId, provider, Math.min(expiresAt, Date.now() + ttlMs));
    },
  };
}

function session(userId: string, provider: string, expiresAt: number): ProviderSession {
  return {
    id: `gmail_${randomBytes(12).toString("base64url")}`,
    userId,
    provider,
    expiresAt: new Date(expiresAt),
  };
}

/** The access token of a live session; none (or expired) → renew through withProviderSession. */
export async function accessTokenOf(session: ProviderSession): Promise<string> {
  const token = await readAccessToken(session.userId);
  if (!token) throw new ProviderAuthError(401, "No Gmail access token is stored.");
  return token;
}

async function refreshFailure(principal: Principal, err: unknown): Promise<Error> {
  const f = describeFailure(err);
  if (f.reason === "invalid_grant") {
    // Revoked at myaccount.google.com, expired (testing-mode apps: 7 days), or the password changed.
    logger().info(
      { userId: principal.userId, provider: "gmail" },
      "Google refused the refresh token; the connection was removed",
    );
    await dropGmailConnection(principal.userId);
    return reconnect(
      principal,
      "Your Gmail connection has expired or was revoked. Connect Gmail again, then try again.",
    );
  }
  logger().warn(
    { provider: "gmail", status: f.status, reason: f.reason, code: f.code },
    "refreshing the Gmail access token failed",
  );
  if (f.status === 429)
    return new ToolError("rate_limited", "Google's token endpoint is rate limiting.", {
      retriable: true,
      provider: "gmail",
      retryAfterSeconds: f.retryAfterSeconds ?? 1,
    });
  return new ToolError(
    "provider_error",
    f.status === 401 || f.reason === "invalid_client" || f.reason === "unauthorized_client"
      ? "Google refused this app's OAuth client (check GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET)."
      : "Google's token endpoint failed.",
    { retriable: f.status === undefined || f.status >= 500, provider: "gmail" },
  );
}

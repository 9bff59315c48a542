import { setTimeout as sleep } from "node:timers/promises";
import type { Db } from "@/lib/db/client";
import { findDemoUserByOid } from "@/lib/identity/local-idp/users";
import { logger } from "@/lib/log";
import type { Json } from "../shapes";
import type { McpTool } from "../tools/definition";
import type { OAuthConnectionConfig } from "./definitions";
import { createConsentRequest, refreshTokens, TokenEndpointError } from "./oauth";
import { keyConnectionSecret } from "./seed";
import {
  claimRefreshLease,
  deleteGrant,
  getConnection,
  getConsentRequest,
  getGrant,
  releaseRefreshLease,
  updateGrantTokens,
  type Connection,
} from "./store";

/** What a response may do with one `mcp` tool's server. */
export type ServerAccess =
  | { kind: "ready" }
  /** The user must consent first: emit this `oauth_consent_request` and end the response. */
  | { kind: "consent"; id: string; link: string }
  /** Not usable in this response; `error` is JSON text `{ code, message }`. */
  | { kind: "unavailable"; error: string; message: string };

/** Refresh an access token this long before it expires. */
const EXPIRY_MARGIN_MS = 60_000;

const unavailable = (code: string, message: string): ServerAccess => ({
  kind: "unavailable",
  error: JSON.stringify({ code, message }),
  message,
});

/**
 * Credentials of one response's MCP calls, made for the response's owner: a tool without
 * `project_connection_id` sends only its own `headers`; a `key` connection adds its header; an
 * `oauth_passthrough` connection sends the owner's own access token from their grant (refreshed
 * when it expires). Nobody else's grant is ever read: grants are looked up by the owner's id.
 */
export class ConnectionAccess {
  constructor(
    private readonly db: Db,
    private readonly userId: string,
    private readonly responseId: string,
  ) {}

  /**
   * Whether the tool's server can be used now. For an OAuth connection without a usable grant:
   * when this turn (after the last user message) already asked for consent and the user declined
   * or did not answer, the server is unavailable with a clear error (no consent loop); otherwise a
   * new consent request is created.
   */
  async check(tool: McpTool, history: Json[]): Promise<ServerAccess> {
    const name = tool.project_connection_id;
    if (!name) return { kind: "ready" };
    const connection = await getConnection(this.db, name);
    if (!connection)
      return unavailable(
        "connection_not_found",
        `The project connection '${name}' does not exist in the local agent service.`,
      );
    if (connection.kind === "key") {
      return (await keyConnectionSecret())
        ? { kind: "ready" }
        : unavailable("connection_not_ready", `The project connection '${name}' has no key yet.`);
    }
    if (!findDemoUserByOid(this.userId))
      return unavailable(
        "consent_unavailable",
        `The project connection '${name}' acts for users of the local identity provider only.`,
      );
    if (await this.accessToken(connection)) return { kind: "ready" };

    const asked = consentAskedThisTurn(history, tool.server_label);
    if (asked) {
      const request = await getConsentRequest(this.db, asked);
      if (request && request.userId === this.userId) {
        const label = tool.server_label;
        if (request.status === "denied")
          return unavailable(
            "consent_declined",
            `You declined access for ${label}, so its tools were not used. Send a new message to be asked again.`,
          );
        if (request.status === "failed")
          return unavailable(
            "consent_failed",
            `Connecting ${label} failed${request.error ? ` (${request.error})` : ""}. Send a new message to try again.`,
          );
        if (request.status !== "allowed")
          return unavailable(
            "consent_required",
            `Access for ${label} was not granted: the consent window was closed without an answer. Send a new message to be asked again.`,
          );
        // Allowed, but the grant is gone since (revoked, or its refresh token stopped working).
      }
    }
    const created = await createConsentRequest(this.db, {
      connection,
      userId: this.userId,
      serverLabel: tool.server_label,
      responseId: this.responseId,
    });
    return { kind: "consent", ...created };
  }

  /** Credential headers for one MCP request of `tool` (empty without a connection). */
  async headers(tool: McpTool): Promise<Record<string, string>> {
    const name = tool.project_connection_id;
    if (!name) return {};
    const connection = await getConnection(this.db, name);
    if (!connection) throw new Error(`The project connection '${name}' does not exist.`);
    if (connection.kind === "key") {
      const key = await keyConnectionSecret();
      if (!key) throw new Error(`The project connection '${name}' has no key yet.`);
      return { [connection.config.headerName.toLowerCase()]: key };
    }
    const token = await this.accessToken(connection);
    if (!token)
      throw new Error(
        `You have not granted access for ${tool.server_label} (connection '${name}'), or it was revoked. Send a new message to be asked again.`,
      );
    return { authorization: `Bearer ${token}` };
  }

  private accessToken(connection: Connection): Promise<string | null> {
    if (connection.kind !== "oauth_passthrough") return Promise.resolve(null);
    return userAccessToken(this.db, connection.name, connection.config, this.userId);
  }
}

/** The id of the `oauth_consent_request` for this server after the last user message, if any. */
function consentAskedThisTurn(history: Json[], serverLabel: string): string | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const item = history[i]!;
    if (item.type === "message" && item.role === "user") return undefined;
    if (item.type === "oauth_consent_request" && item.server_label === serverLabel)
      return String(item.id);
  }
  return undefined;
}

/** In-process single flight per grant; across processes the grant's refresh lease. */
const inflight = new Map<string, Promise<string | null>>();

/**
 * The user's access token for a connection: the stored one while it is valid, else a refreshed
 * one (refresh tokens rotate, so exactly one refresher at a time). A refresh token the server
 * refuses (`invalid_grant`: revoked, expired, replayed) drops the grant: the next run asks for
 * consent again.
 */
export function userAccessToken(
  db: Db,
  connectionName: string,
  config: OAuthConnectionConfig,
  userId: string,
): Promise<string | null> {
  const key = `${connectionName}\u0000${userId}`;
  const running = inflight.get(key);
  if (running) return running;
  const p = resolveToken(db, connectionName, config, userId).finally(() => inflight.delete(key));
  inflight.set(key, p);
  return p;
}

const REFRESH_WAIT_MS = 10_000;

async function resolveToken(
  db: Db,
  connectionName: string,
  config: OAuthConnectionConfig,
  userId: string,
): Promise<string | null> {
  const deadline = Date.now() + REFRESH_WAIT_MS;
  for (;;) {
    const grant = await getGrant(db, connectionName, userId);
    if (!grant) return null;
    if (grant.accessExpiresAt.getTime() - Date.now() > EXPIRY_MARGIN_MS)
      return grant.tokens.access_token;
    if (!grant.tokens.refresh_token) {
      await deleteGrant(db, connectionName, userId);
      return null;
    }
    if (await claimRefreshLease(db, connectionName, userId)) {
      try {
        const fresh = await refreshTokens(config, grant.tokens.refresh_token);
        await updateGrantTokens(
          db,
          connectionName,
          userId,
          {
            access_token: fresh.access_token,
            refresh_token: fresh.refresh_token ?? grant.tokens.refresh_token,
          },
          fresh.expires_in,
          fresh.scope,
        );
        return fresh.access_token;
      } catch (err) {
        if (err instanceof TokenEndpointError && err.error === "invalid_grant") {
          logger().info({ connectionName }, "refresh token refused; the grant is dropped");
          await deleteGrant(db, connectionName, userId);
          return null;
        }
        await releaseRefreshLease(db, connectionName, userId);
        throw err;
      }
    }
    // Another process is refreshing: wait for its result.
    if (Date.now() > deadline) throw new Error("Timed out waiting for a token refresh.");
    await sleep(100);
  }
}

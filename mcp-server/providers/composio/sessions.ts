import { createHash } from "node:crypto";
import type { OpenAIProvider, ToolRouterSession } from "@composio/core";
import type { ComposioSettings } from "@/lib/config";
import { ToolError } from "@/mcp-server/catalog/types";
import { withProviderSession, type SessionIssuer } from "@/mcp-server/providers/sessions";
import { ProviderAuthError } from "@/mcp-server/providers/types";
import { composioSdk } from "./client";
import { composioFailure } from "./errors";

export const COMPOSIO_PROVIDER = "composio";

type Session = ToolRouterSession<unknown, unknown, OpenAIProvider>;

/**
 * Which whitelist a session was made for. Composio sessions only expose the tools they were
 * created with, so a session cached before COMPOSIO_TOOLKITS / COMPOSIO_TOOLS / COMPOSIO_AUTH_CONFIGS
 * changed is replaced on its next use instead of refusing newly allowed tools for up to an hour.
 */
export function settingsFingerprint(settings: ComposioSettings): string {
  const basis = JSON.stringify([settings.toolkits, settings.tools, settings.authConfigs]);
  return createHash("sha256").update(basis).digest("hex").slice(0, 12);
}

/** The Tool Router session config: the whitelist only, and no in-chat connection management. */
function sessionConfig(settings: ComposioSettings) {
  const tools: Record<string, string[]> = {};
  for (const slug of settings.tools) (tools[settings.toolkitOf[slug]!] ??= []).push(slug);
  return {
    toolkits: settings.toolkits,
    tools,
    // Connect links come from our own connect page (connect-link.ts), never from the model.
    manageConnections: false,
    ...(Object.keys(settings.authConfigs).length ? { authConfigs: settings.authConfigs } : {}),
  };
}

/**
 * Creates Tool Router sessions for one user: `POST /api/v3.1/tool_router/session` with our stable
 * user id (the `oid`, never an e-mail) as `user_id`. The row in provider_sessions stores
 * `<fingerprint>:<session id>` and lives one hour (SESSION_TTL_MS), whatever Composio's own
 * lifetime (its sessions do not expire by time).
 */
export function composioSessionIssuer(
  settings: ComposioSettings,
  signal: AbortSignal,
): SessionIssuer {
  return {
    async create(userId, provider, ttlMs) {
      const sdk = await composioSdk(settings);
      let sessionId: string;
      try {
        ({ sessionId } = await sdk.sessions.create(userId, sessionConfig(settings), { signal }));
      } catch (err) {
        throw composioFailure(err, { session: false });
      }
      return {
        id: `${settingsFingerprint(settings)}:${sessionId}`,
        userId,
        provider,
        expiresAt: new Date(Date.now() + ttlMs),
      };
    },
  };
}

/**
 * Runs `fn` on the user's Tool Router session (cached in provider_sessions, so every replica
 * shares one per user): a missing or expired row gets a new session; a session Composio rejects
 * (401, or 404 for one it no longer knows) is recreated and `fn` retried once, then
 * `session_expired`. Other Composio failures are mapped by composioFailure.
 */
export async function withComposioSession<T>(
  userId: string,
  settings: ComposioSettings,
  signal: AbortSignal,
  fn: (session: Session) => Promise<T>,
  options: { now?: () => Date } = {},
): Promise<T> {
  const sdk = await composioSdk(settings);
  const fingerprint = settingsFingerprint(settings);
  return withProviderSession(
    userId,
    COMPOSIO_PROVIDER,
    async (stored) => {
      const at = stored.id.indexOf(":");
      if (at < 0 || stored.id.slice(0, at) !== fingerprint)
        throw new ProviderAuthError(401, "The cached Composio session has another whitelist.");
      if (signal.aborted)
        throw new ToolError("timeout", "The call was cancelled before it reached Composio.", {
          retriable: true,
        });
      try {
        return await fn(sdk.session(stored.id.slice(at + 1)));
      } catch (err) {
        throw composioFailure(err, { session: true });
      }
    },
    { issuer: composioSessionIssuer(settings, signal), ...options },
  );
}

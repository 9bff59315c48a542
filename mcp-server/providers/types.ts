/**
 * Provider ids used by the catalog (`ToolDefinition.provider`). Connectable providers are the
 * ones whose accounts belong to a user and need that user's consent (see connections/).
 */
export const connectableProviders = ["gmail", "graph", "twilio"] as const;
export type ConnectableProvider = (typeof connectableProviders)[number];

export type ProviderId = ConnectableProvider | "tavily" | "openapi:dealer" | "internal";

export function isConnectableProvider(p: string): p is ConnectableProvider {
  return (connectableProviders as readonly string[]).includes(p);
}

/** A session a provider issued for one user (Composio-style), valid until `expiresAt`. */
export interface ProviderSession {
  id: string;
  userId: string;
  provider: string;
  expiresAt: Date;
}

/**
 * The provider rejected the session (HTTP 401/403, or 404 for a session it no longer knows, as
 * Composio answers). `withProviderSession` recreates the session and retries once; a second
 * rejection becomes ToolError("session_expired").
 */
export class ProviderAuthError extends Error {
  constructor(
    readonly status: 401 | 403 | 404,
    message = "The provider rejected the session.",
  ) {
    super(message);
    this.name = "ProviderAuthError";
  }
}

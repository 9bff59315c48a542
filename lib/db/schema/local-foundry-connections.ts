import { index, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Project connections of the embedded local agent service (`/local-foundry`), as Foundry keeps
 * them for a project: how an agent's `mcp` tool authenticates (`project_connection_id`). Secrets
 * never sit in these rows in plaintext: keys and client secrets are in `sealed_secrets`, users'
 * tokens are sealed in their grant row. Only lib/local-foundry uses these tables.
 */
export const lfConnections = pgTable("lf_connections", {
  /** The connection's name, which agents reference as `project_connection_id`. */
  name: text("name").primaryKey(),
  kind: text("kind").$type<"oauth_passthrough" | "key">().notNull(),
  displayName: text("display_name").notNull(),
  /** The resource the connection is for (the MCP server URL). */
  target: text("target").notNull(),
  /** Non-secret settings (OAuth endpoints, client id, scopes, redirect URI; the key header name). */
  config: jsonb("config").$type<Record<string, unknown>>().notNull(),
  /** Lease of the one process that creates the connection's secret (concurrent start-ups). */
  credentialLeaseUntil: timestamp("credential_lease_until", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** A user's consent to an OAuth identity-passthrough connection: their tokens, sealed. */
export const lfConnectionGrants = pgTable(
  "lf_connection_grants",
  {
    connectionName: text("connection_name")
      .notNull()
      .references(() => lfConnections.name, { onDelete: "cascade" }),
    /** `oid` of the user who consented. */
    userId: text("user_id").notNull(),
    scopes: text("scopes").notNull(),
    /** `{ access_token, refresh_token }` sealed with the row's identity as associated data. */
    tokens: text("tokens").notNull(),
    accessExpiresAt: timestamp("access_expires_at", { withTimezone: true }).notNull(),
    connectedAt: timestamp("connected_at", { withTimezone: true }).notNull().defaultNow(),
    refreshedAt: timestamp("refreshed_at", { withTimezone: true }),
    /** Lease of the one process refreshing the tokens (refresh tokens rotate; two uses = replay). */
    refreshLeaseUntil: timestamp("refresh_lease_until", { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.connectionName, t.userId] })],
);

/** One `oauth_consent_request` the service emitted, and what became of it. */
export const lfConsentRequests = pgTable(
  "lf_consent_requests",
  {
    /** `oacr_…`, the output item's id. */
    id: text("id").primaryKey(),
    /** sha256 of the OAuth `state` (the state itself travels only in the link). */
    stateHash: text("state_hash").notNull().unique(),
    userId: text("user_id").notNull(),
    connectionName: text("connection_name")
      .notNull()
      .references(() => lfConnections.name, { onDelete: "cascade" }),
    serverLabel: text("server_label").notNull(),
    responseId: text("response_id").notNull(),
    /** The PKCE code verifier, sealed. */
    codeVerifier: text("code_verifier").notNull(),
    status: text("status")
      .$type<"pending" | "completing" | "allowed" | "denied" | "failed">()
      .notNull(),
    error: text("error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    completedAt: timestamp("completed_at", { withTimezone: true }),
  },
  (t) => [index("lf_consent_requests_user_idx").on(t.userId, t.connectionName)],
);

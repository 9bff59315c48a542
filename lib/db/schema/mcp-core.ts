import { sql } from "drizzle-orm";
import {
  bigint,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

/**
 * State of the MCP server core (mcp-server/, lib/audit, lib/limits): access keys for key-based
 * Foundry connections, idempotency claims of write tools, and the hash-chained audit log.
 */

/** Keys for key-based connections. Only the sha256 of a key is stored; the key is shown once. */
export const mcpApiKeys = pgTable("mcp_api_keys", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  /** sha256 (hex) of the whole key; keys carry 256 random bits, so no salt is needed. */
  keyHash: text("key_hash").notNull().unique(),
  /** First characters of the key, to recognise it in listings. */
  keyPrefix: text("key_prefix").notNull(),
  /** "app": the key is its own app principal; "user": the key acts as `userId`. */
  kind: text("kind").$type<"app" | "user">().notNull(),
  userId: text("user_id"),
  /** App roles of an app key (a user key takes the user's current roles). */
  roles: jsonb("roles")
    .$type<string[]>()
    .notNull()
    .default(sql`'[]'::jsonb`),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  revokedAt: timestamp("revoked_at", { withTimezone: true }),
});

export type IdempotencyStatus = "in_progress" | "completed";

/**
 * One row per (caller, idempotency key): claimed (inserted) before a write tool runs, so a
 * concurrent duplicate finds the row and never runs the tool; completed with the result to replay.
 */
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    userId: text("user_id").notNull(),
    key: text("key").notNull(),
    tool: text("tool").notNull(),
    argsHash: text("args_hash").notNull(),
    status: text("status").$type<IdempotencyStatus>().notNull(),
    result: jsonb("result"),
    correlationId: text("correlation_id").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp("completed_at", { withTimezone: true }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.key] }),
    index("idempotency_keys_expires_idx").on(t.expiresAt),
  ],
);

/**
 * Append-only record of every governed tool call. Each row's `hash` covers its content and the
 * previous row's hash; `prev_hash` is unique, so two rows can never extend the same predecessor
 * (a forked chain is refused by the database even if the append lock were bypassed).
 */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    userId: text("user_id").notNull(),
    username: text("username").notNull(),
    principalKind: text("principal_kind").$type<"user" | "app">().notNull(),
    tool: text("tool").notNull(),
    risk: text("risk").notNull(),
    argsHash: text("args_hash").notNull(),
    /** "ok", "replayed", or the error code of the isError result. */
    outcome: text("outcome").notNull(),
    latencyMs: integer("latency_ms").notNull(),
    correlationId: text("correlation_id").notNull(),
    idempotencyKey: text("idempotency_key"),
    prevHash: text("prev_hash").notNull().unique(),
    hash: text("hash").notNull().unique(),
  },
  (t) => [
    index("audit_log_user_at_idx").on(t.userId, t.at),
    index("audit_log_tool_at_idx").on(t.tool, t.at),
  ],
);

/**
 * MCP calls the rate limit refused, counted per caller and minute (lib/limits/refusals.ts). They
 * are not audited — a caller must not be able to flood the chain with refusals — but the admin
 * usage page shows them; one row per caller and minute bounds what a flood can write.
 */
export const rateLimitRefusals = pgTable(
  "rate_limit_refusals",
  {
    /** Which limiter refused (`mcp-call`). */
    limiter: text("limiter").notNull(),
    userId: text("user_id").notNull(),
    username: text("username").notNull(),
    minute: timestamp("minute", { withTimezone: true }).notNull(),
    count: integer("count").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.limiter, t.userId, t.minute] }),
    index("rate_limit_refusals_minute_idx").on(t.minute),
  ],
);

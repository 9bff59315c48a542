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
  uniqueIndex,
} from "drizzle-orm/pg-core";

/** People who have signed in at least once; `id` is the token's `oid` (stable per tenant). */
export const users = pgTable("users", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id").notNull(),
  username: text("username").notNull(),
  name: text("name").notNull(),
  roles: jsonb("roles")
    .$type<string[]>()
    .notNull()
    .default(sql`'[]'::jsonb`),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
});

export const conversations = pgTable(
  "conversations",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id),
    title: text("title").notNull(),
    agentName: text("agent_name").notNull(),
    agentVersion: text("agent_version"),
    /** The agent service's conversation (`conv_…`), created lazily on the first message. */
    upstreamConversationId: text("upstream_conversation_id"),
    /** Last allocated event sequence number; incremented under a row lock. */
    lastSeq: bigint("last_seq", { mode: "number" }).notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("conversations_owner_updated_idx").on(t.ownerId, t.updatedAt)],
);

export const runStatuses = [
  "running",
  "awaiting_approval",
  "awaiting_consent",
  "completed",
  "failed",
  "cancelled",
] as const;
export type RunStatus = (typeof runStatuses)[number];

export const runs = pgTable(
  "runs",
  {
    id: text("id").primaryKey(),
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    requestedBy: text("requested_by").notNull(),
    status: text("status").$type<RunStatus>().notNull(),
    agentName: text("agent_name").notNull(),
    upstreamResponseId: text("upstream_response_id"),
    correlationId: text("correlation_id").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp("ended_at", { withTimezone: true }),
  },
  (t) => [
    index("runs_conversation_idx").on(t.conversationId, t.createdAt),
    // At most one unfinished run per conversation, enforced by the database (races included).
    uniqueIndex("runs_one_active_per_conversation")
      .on(t.conversationId)
      .where(sql`status in ('running', 'awaiting_approval', 'awaiting_consent')`),
  ],
);

/** The durable, append-only event log of each conversation (DESIGN §3). */
export const conversationEvents = pgTable(
  "conversation_events",
  {
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    runId: text("run_id").notNull(),
    type: text("type").notNull(),
    data: jsonb("data").notNull(),
    correlationId: text("correlation_id").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.seq] })],
);

import { sql } from "drizzle-orm";
import {
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

/**
 * State of the embedded local agent service (`/local-foundry`). Kept in the same database so
 * that conversations survive restarts exactly as they do on Foundry. Only lib/local-foundry uses
 * these tables; the app reaches that service over HTTP like any other Foundry project.
 */
export const lfAgentVersions = pgTable(
  "lf_agent_versions",
  {
    name: text("name").notNull(),
    version: integer("version").notNull(),
    description: text("description"),
    definition: jsonb("definition").notNull(),
    metadata: jsonb("metadata").$type<Record<string, string>>(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.name, t.version] })],
);

export const lfConversations = pgTable("lf_conversations", {
  id: text("id").primaryKey(),
  /** `oid` of the caller that created it; other callers get 404. */
  ownerId: text("owner_id").notNull(),
  metadata: jsonb("metadata").$type<Record<string, string>>(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const lfItems = pgTable(
  "lf_items",
  {
    id: text("id").primaryKey(),
    conversationId: text("conversation_id")
      .notNull()
      .references(() => lfConversations.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    item: jsonb("item").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  // Unique so that two appends racing past the conversation lock could never interleave silently.
  (t) => [uniqueIndex("lf_items_conversation_position_uq").on(t.conversationId, t.position)],
);

export const lfResponses = pgTable(
  "lf_responses",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id").notNull(),
    conversationId: text("conversation_id"),
    status: text("status").notNull(),
    /** The Response object exactly as clients receive it. */
    body: jsonb("body").notNull(),
    /** The normalized input items of this turn: `previous_response_id` chains rebuild history from them. */
    inputItems: jsonb("input_items")
      .$type<unknown[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    previousResponseId: text("previous_response_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("lf_responses_owner_idx").on(t.ownerId, t.createdAt)],
);

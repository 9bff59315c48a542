import { sql } from "drizzle-orm";
import {
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

/**
 * Tool-provider state: per-user connections and sessions (used in every mode) and the tables of
 * the sandbox providers (mcp-server/providers/sandbox). Every sandbox row carries `user_id` and
 * every query filters on it, so one user's ids are `not_found` for another.
 */

/** A user's consent to let tools act on a provider account (recorded by /connect/<provider>). */
export const providerConnections = pgTable(
  "provider_connections",
  {
    userId: text("user_id").notNull(),
    provider: text("provider").notNull(),
    /** What the user sees as "connected as …" (sandbox: their username). */
    accountLabel: text("account_label").notNull(),
    scopes: jsonb("scopes")
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    connectedAt: timestamp("connected_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.provider] })],
);

/** Client-side cache of the provider session a user's calls run under (1 h TTL). */
export const providerSessions = pgTable(
  "provider_sessions",
  {
    userId: text("user_id").notNull(),
    provider: text("provider").notNull(),
    sessionId: text("session_id").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.provider] })],
);

/** The sandbox providers' own record of sessions they issued (what a real provider keeps). */
export const sandboxSessions = pgTable("sandbox_sessions", {
  id: text("id").primaryKey(),
  userId: text("user_id").notNull(),
  provider: text("provider").notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  revokedAt: timestamp("revoked_at", { withTimezone: true }),
});

/** Everything the sandbox "sent": SMS, WhatsApp, e-mail, Outlook mail, Teams messages. */
export const sandboxOutbox = pgTable(
  "sandbox_outbox",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    channel: text("channel").$type<"sms" | "whatsapp" | "gmail" | "outlook" | "teams">().notNull(),
    from: text("from_address").notNull(),
    to: jsonb("to_addresses").$type<string[]>().notNull(),
    subject: text("subject"),
    body: text("body").notNull(),
    status: text("status").notNull(),
    metadata: jsonb("metadata")
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("sandbox_outbox_user_idx").on(t.userId, t.createdAt)],
);

/** A Gmail-like mailbox per user (inbox seeded on first use, sent, drafts). */
export const sandboxMailbox = pgTable(
  "sandbox_mailbox",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    threadId: text("thread_id").notNull(),
    labels: jsonb("labels").$type<string[]>().notNull(),
    from: text("from_address").notNull(),
    to: jsonb("to_addresses").$type<string[]>().notNull(),
    cc: jsonb("cc_addresses")
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    subject: text("subject").notNull(),
    body: text("body").notNull(),
    unread: boolean("unread").notNull().default(false),
    hasAttachment: boolean("has_attachment").notNull().default(false),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("sandbox_mailbox_user_idx").on(t.userId, t.receivedAt)],
);

/** Marks what was seeded for a user ("mailbox", "planner"), so seeding happens once even under concurrent first calls. */
export const sandboxSeeds = pgTable(
  "sandbox_seeds",
  {
    userId: text("user_id").notNull(),
    kind: text("kind").notNull(),
    seededAt: timestamp("seeded_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.kind] })],
);

/** Planner tasks shaped like Microsoft Graph `plannerTask`. */
export const sandboxPlannerTasks = pgTable(
  "sandbox_planner_tasks",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    planId: text("plan_id").notNull(),
    bucketId: text("bucket_id"),
    title: text("title").notNull(),
    notes: text("notes"),
    percentComplete: integer("percent_complete").notNull().default(0),
    priority: integer("priority").notNull().default(5),
    startDateTime: timestamp("start_date_time", { withTimezone: true }),
    dueDateTime: timestamp("due_date_time", { withTimezone: true }),
    /** Graph's optimistic concurrency token (If-Match). */
    etag: text("etag").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("sandbox_planner_tasks_user_idx").on(t.userId, t.planId)],
);

const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

/** The bundled search corpus behind the sandbox Tavily provider (shared by all users). */
export const searchDocuments = pgTable(
  "search_documents",
  {
    id: text("id").primaryKey(),
    title: text("title").notNull(),
    url: text("url").notNull(),
    body: text("body").notNull(),
    topic: text("topic").notNull().default("general"),
    publishedAt: timestamp("published_at", { withTimezone: true }).notNull(),
    /** Title weighs more than body in the ranking. */
    tsv: tsvector("tsv")
      .notNull()
      .generatedAlwaysAs(
        sql`setweight(to_tsvector('english', coalesce("title", '')), 'A') || setweight(to_tsvector('english', coalesce("body", '')), 'B')`,
      ),
  },
  (t) => [index("search_documents_tsv_idx").using("gin", t.tsv)],
);

/** Dealer business backend behind the OpenAPI tools (mcp-server/openapi/backend). */
export const sandboxVehicles = pgTable("sandbox_vehicles", {
  id: text("id").primaryKey(),
  make: text("make").notNull(),
  model: text("model").notNull(),
  year: integer("year").notNull(),
  trim: text("trim").notNull(),
  fuel: text("fuel").notNull(),
  priceCents: integer("price_cents").notNull(),
  mileageKm: integer("mileage_km").notNull(),
  status: text("status").notNull(),
  dealerId: text("dealer_id").notNull(),
});

export const sandboxEnquiries = pgTable(
  "sandbox_enquiries",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    vehicleId: text("vehicle_id"),
    dealerId: text("dealer_id").notNull(),
    customerName: text("customer_name").notNull(),
    customerEmail: text("customer_email").notNull(),
    customerPhone: text("customer_phone"),
    message: text("message").notNull(),
    status: text("status").notNull(),
    statusNote: text("status_note"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("sandbox_enquiries_user_idx").on(t.userId, t.createdAt)],
);

export const sandboxBookings = pgTable(
  "sandbox_bookings",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    vehicleId: text("vehicle_id").notNull(),
    enquiryId: text("enquiry_id"),
    kind: text("kind").notNull(),
    startsAt: timestamp("starts_at", { withTimezone: true }).notNull(),
    durationMinutes: integer("duration_minutes").notNull(),
    customerName: text("customer_name").notNull(),
    status: text("status").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("sandbox_bookings_user_idx").on(t.userId, t.startsAt)],
);

export const sandboxPayments = pgTable(
  "sandbox_payments",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    bookingId: text("booking_id").notNull(),
    amountCents: integer("amount_cents").notNull(),
    currency: text("currency").notNull(),
    method: text("method").notNull(),
    reference: text("reference").notNull(),
    status: text("status").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("sandbox_payments_user_idx").on(t.userId, t.createdAt)],
);

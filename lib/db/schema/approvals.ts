import { bigint, index, integer, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

export const approvalStatuses = ["pending", "approved", "rejected", "expired"] as const;
export type ApprovalStatus = (typeof approvalStatuses)[number];
export type ApprovalRisk = "read" | "write" | "privileged";
/** Where the request came from: a run in our chat, or a direct call at /api/mcp (the ledger). */
export type ApprovalSource = "chat" | "mcp";

/**
 * One human decision about one tool call (DESIGN §3a). Decided exactly once (the status moves
 * from `pending` under a conditional UPDATE); an approved row is consumed at most once by the
 * ledger at /api/mcp (`consumed_at`).
 */
export const approvals = pgTable(
  "approvals",
  {
    id: text("id").primaryKey(),
    status: text("status").$type<ApprovalStatus>().notNull(),
    source: text("source").$type<ApprovalSource>().notNull(),
    tool: text("tool").notNull(),
    serverLabel: text("server_label").notNull(),
    /** The arguments as JSON text, exactly as requested (shown to deciders). */
    arguments: text("arguments").notNull(),
    /** sha256 of the canonical JSON of the arguments: what the ledger matches. */
    argsHash: text("args_hash").notNull(),
    risk: text("risk").$type<ApprovalRisk>().notNull(),
    /** Role the decider must hold (privileged: Approver); null: the requester decides. */
    requiredRole: text("required_role"),
    requesterId: text("requester_id").notNull(),
    requesterName: text("requester_name").notNull(),
    /** "user", or "app" for key/app-token callers of /api/mcp. */
    requesterKind: text("requester_kind").$type<"user" | "app">().notNull(),
    conversationId: text("conversation_id"),
    runId: text("run_id"),
    /** The agent service's `mcp_approval_request` id (`mcpr_…`). */
    upstreamRequestId: text("upstream_request_id"),
    /** What the requester asked for (the message that started the run), for deciders' context. */
    context: text("context"),
    correlationId: text("correlation_id").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    /** Pending: when it expires undecided. Approved: until when the ledger honours it. */
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    decidedBy: text("decided_by"),
    decidedByName: text("decided_by_name"),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
    reason: text("reason"),
    consumedAt: timestamp("consumed_at", { withTimezone: true }),
    consumedCorrelationId: text("consumed_correlation_id"),
    /** Chat runs: when the decision was sent upstream (the run continued). */
    continuedAt: timestamp("continued_at", { withTimezone: true }),
  },
  (t) => [
    index("approvals_status_expires_idx").on(t.status, t.expiresAt),
    index("approvals_requester_created_idx").on(t.requesterId, t.createdAt),
    index("approvals_ledger_idx").on(t.tool, t.argsHash, t.status),
    index("approvals_run_idx").on(t.runId),
    uniqueIndex("approvals_run_upstream_uq").on(t.runId, t.upstreamRequestId),
  ],
);

/**
 * The approvals feed (inbox SSE): one row per request, decision or expiry, numbered from one
 * counter row (`approval_feed`, locked while numbering) so readers resume without gaps.
 */
export const approvalEvents = pgTable(
  "approval_events",
  {
    seq: bigint("seq", { mode: "number" }).primaryKey(),
    approvalId: text("approval_id").notNull(),
    type: text("type").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull(),
  },
  (t) => [index("approval_events_approval_idx").on(t.approvalId)],
);

export const approvalFeed = pgTable("approval_feed", {
  id: integer("id").primaryKey(),
  lastSeq: bigint("last_seq", { mode: "number" }).notNull().default(0),
});

/**
 * Encrypted server-side credential material kept so work can continue after the user's browser
 * and token are gone (e.g. MSAL Node's token cache for On-Behalf-Of to Foundry). AES-256-GCM.
 */
export const sealedSecrets = pgTable("sealed_secrets", {
  key: text("key").primaryKey(),
  ciphertext: text("ciphertext").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type ApprovalRow = typeof approvals.$inferSelect;

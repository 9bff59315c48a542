CREATE TABLE "approval_events" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"approval_id" text NOT NULL,
	"type" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "approval_feed" (
	"id" integer PRIMARY KEY NOT NULL,
	"last_seq" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "approvals" (
	"id" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"source" text NOT NULL,
	"tool" text NOT NULL,
	"server_label" text NOT NULL,
	"arguments" text NOT NULL,
	"args_hash" text NOT NULL,
	"risk" text NOT NULL,
	"required_role" text,
	"requester_id" text NOT NULL,
	"requester_name" text NOT NULL,
	"requester_kind" text NOT NULL,
	"conversation_id" text,
	"run_id" text,
	"upstream_request_id" text,
	"context" text,
	"correlation_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"decided_by" text,
	"decided_by_name" text,
	"decided_at" timestamp with time zone,
	"reason" text,
	"consumed_at" timestamp with time zone,
	"consumed_correlation_id" text,
	"continued_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "sealed_secrets" (
	"key" text PRIMARY KEY NOT NULL,
	"ciphertext" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "approval_events_approval_idx" ON "approval_events" USING btree ("approval_id");--> statement-breakpoint
CREATE INDEX "approvals_status_expires_idx" ON "approvals" USING btree ("status","expires_at");--> statement-breakpoint
CREATE INDEX "approvals_requester_created_idx" ON "approvals" USING btree ("requester_id","created_at");--> statement-breakpoint
CREATE INDEX "approvals_ledger_idx" ON "approvals" USING btree ("tool","args_hash","status");--> statement-breakpoint
CREATE INDEX "approvals_run_idx" ON "approvals" USING btree ("run_id");--> statement-breakpoint
CREATE UNIQUE INDEX "approvals_run_upstream_uq" ON "approvals" USING btree ("run_id","upstream_request_id");--> statement-breakpoint
INSERT INTO "approval_feed" ("id", "last_seq") VALUES (1, 0) ON CONFLICT DO NOTHING;

CREATE TABLE "lf_connection_grants" (
	"connection_name" text NOT NULL,
	"user_id" text NOT NULL,
	"scopes" text NOT NULL,
	"tokens" text NOT NULL,
	"access_expires_at" timestamp with time zone NOT NULL,
	"connected_at" timestamp with time zone DEFAULT now() NOT NULL,
	"refreshed_at" timestamp with time zone,
	"refresh_lease_until" timestamp with time zone,
	CONSTRAINT "lf_connection_grants_connection_name_user_id_pk" PRIMARY KEY("connection_name","user_id")
);
--> statement-breakpoint
CREATE TABLE "lf_connections" (
	"name" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"display_name" text NOT NULL,
	"target" text NOT NULL,
	"config" jsonb NOT NULL,
	"credential_lease_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lf_consent_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"state_hash" text NOT NULL,
	"user_id" text NOT NULL,
	"connection_name" text NOT NULL,
	"server_label" text NOT NULL,
	"response_id" text NOT NULL,
	"code_verifier" text NOT NULL,
	"status" text NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "lf_consent_requests_state_hash_unique" UNIQUE("state_hash")
);
--> statement-breakpoint
ALTER TABLE "lf_connection_grants" ADD CONSTRAINT "lf_connection_grants_connection_name_lf_connections_name_fk" FOREIGN KEY ("connection_name") REFERENCES "public"."lf_connections"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lf_consent_requests" ADD CONSTRAINT "lf_consent_requests_connection_name_lf_connections_name_fk" FOREIGN KEY ("connection_name") REFERENCES "public"."lf_connections"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "lf_consent_requests_user_idx" ON "lf_consent_requests" USING btree ("user_id","connection_name");
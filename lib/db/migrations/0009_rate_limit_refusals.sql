CREATE TABLE "rate_limit_refusals" (
	"limiter" text NOT NULL,
	"user_id" text NOT NULL,
	"username" text NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "rate_limit_refusals_limiter_user_id_minute_pk" PRIMARY KEY("limiter","user_id","minute")
);
--> statement-breakpoint
CREATE INDEX "rate_limit_refusals_minute_idx" ON "rate_limit_refusals" USING btree ("minute");
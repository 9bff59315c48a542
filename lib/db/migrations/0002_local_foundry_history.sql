DROP INDEX "lf_items_conversation_idx";--> statement-breakpoint
ALTER TABLE "lf_responses" ADD COLUMN "input_items" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "lf_responses" ADD COLUMN "previous_response_id" text;--> statement-breakpoint
CREATE UNIQUE INDEX "lf_items_conversation_position_uq" ON "lf_items" USING btree ("conversation_id","position");--> statement-breakpoint
CREATE INDEX "lf_responses_owner_idx" ON "lf_responses" USING btree ("owner_id","created_at");
CREATE TABLE "local_idp_revoked_grants" (
	"grant_id" text PRIMARY KEY NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);

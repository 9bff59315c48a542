import { pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Local-IdP grants (one per sign-in) that were revoked — a replayed code or refresh token, or an
 * RFC 7009 revocation. Access tokens carry their grant in `sid`; every replica's verification
 * refuses a token whose grant is here. A row is kept as long as a token from it could be alive.
 */
export const localIdpRevokedGrants = pgTable("local_idp_revoked_grants", {
  grantId: text("grant_id").primaryKey(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
});

import { and, asc, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { ConsentLinkPolicy } from "@/lib/agents/normalizer/consent-links";
import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db/client";
import { conversationEvents, runs } from "@/lib/db/schema";
import type { RunRow } from "./runs";
import { conversationIdSchema } from "./schemas";

/**
 * The chat side of OAuth consent (docs/APPROVALS.md, "Consent"): which consent links the
 * normalizer lets through, whether a run still waits for a given consent, and the one transition
 * awaiting_consent → running.
 */

/** Path parameters of `POST /api/conversations/:id/consents/:consentId/continue`. */
export const consentParamsSchema = conversationIdSchema.extend({
  consentId: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9_.:-]+$/, { message: "Not a consent id." }),
});

/**
 * The configured allowlist (`CONSENT_LINK_ORIGINS`) and, in embedded mode (local agent service),
 * the app's own origin: its local IdP's consent screen, plain http on localhost.
 */
export function consentLinkPolicy(): ConsentLinkPolicy {
  const config = getConfig();
  const origins = config.consent.linkOrigins;
  return config.agents.mode === "local"
    ? { origins, appOrigin: new URL(config.appUrl).origin }
    : { origins };
}

/**
 * Whether the run's log still has `consentId` waiting: its last consent event is
 * `consent.requested` (a `consent.completed` after it means someone already continued).
 */
export async function isConsentPending(run: RunRow, consentId: string): Promise<boolean> {
  const db = await getDb();
  const rows = await db
    .select({ type: conversationEvents.type, data: conversationEvents.data })
    .from(conversationEvents)
    .where(
      and(
        eq(conversationEvents.conversationId, run.conversationId),
        eq(conversationEvents.runId, run.id),
        inArray(conversationEvents.type, ["consent.requested", "consent.completed"]),
      ),
    )
    .orderBy(asc(conversationEvents.seq));
  let last: string | undefined;
  for (const row of rows) {
    if ((row.data as { consentId?: unknown } | null)?.consentId === consentId) last = row.type;
  }
  return last === "consent.requested";
}

/** A run paused for consent goes back to running; only one caller (on any replica) wins. */
export async function resumeFromConsent(runId: string): Promise<RunRow | undefined> {
  const db = await getDb();
  const [row] = await db
    .update(runs)
    .set({ status: "running" })
    .where(and(eq(runs.id, runId), eq(runs.status, "awaiting_consent")))
    .returning();
  return row;
}

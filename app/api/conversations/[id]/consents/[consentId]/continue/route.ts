import { consentParamsSchema } from "@/lib/chat/consents";
import { getOwnedConversation } from "@/lib/chat/conversations";
import { continueAfterConsent } from "@/lib/chat/run-driver";
import { parseWith } from "@/lib/http/body";
import { json, userRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/**
 * The user signed in for a tool (or closed the sign-in window): the run that waits for this
 * consent continues server-side, once. 409 when it no longer waits; 404 for someone else's
 * conversation.
 */
export const POST = userRoute<{ id: string; consentId: string }>(
  async ({ params, correlationId, principal }) => {
    const { id, consentId } = parseWith(consentParamsSchema, params);
    const conversation = await getOwnedConversation(principal, id);
    const run = await continueAfterConsent(conversation, consentId, correlationId);
    return json({ runId: run.id }, 202);
  },
);

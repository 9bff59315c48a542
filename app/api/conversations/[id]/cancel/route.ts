import { getOwnedConversation } from "@/lib/chat/conversations";
import { cancelRun } from "@/lib/chat/run-driver";
import { conversationIdSchema } from "@/lib/chat/schemas";
import { parseWith } from "@/lib/http/body";
import { AppError } from "@/lib/errors";
import { json, route } from "@/lib/http/route";
import { authenticate } from "@/lib/identity/authenticate";

export const dynamic = "force-dynamic";

export const POST = route<{ id: string }>(async ({ req, params, correlationId }) => {
  const { id } = parseWith(conversationIdSchema, params);
  const principal = await authenticate(req);
  await getOwnedConversation(principal, id);
  const run = await cancelRun(id, correlationId);
  if (!run) throw new AppError("conflict", "Nothing is running in this conversation.");
  return json({ runId: run.id }, 202);
});

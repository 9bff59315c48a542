import { getOwnedConversation } from "@/lib/chat/conversations";
import { cancelRun } from "@/lib/chat/run-driver";
import { conversationIdSchema } from "@/lib/chat/schemas";
import { parseWith } from "@/lib/http/body";
import { AppError } from "@/lib/errors";
import { json, userRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const POST = userRoute<{ id: string }>(async ({ params, correlationId, principal }) => {
  const { id } = parseWith(conversationIdSchema, params);
  await getOwnedConversation(principal, id);
  const run = await cancelRun(id, correlationId);
  if (!run) throw new AppError("conflict", "Nothing is running in this conversation.");
  return json({ runId: run.id }, 202);
});

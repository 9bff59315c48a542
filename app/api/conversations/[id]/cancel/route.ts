import { getOwnedConversation } from "@/lib/chat/conversations";
import { cancelRun } from "@/lib/chat/run-driver";
import { cancelRunSchema, conversationIdSchema } from "@/lib/chat/schemas";
import { parseWith, readJson } from "@/lib/http/body";
import { AppError } from "@/lib/errors";
import { json, userRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const POST = userRoute<{ id: string }>(async ({ req, params, correlationId, principal }) => {
  const { id } = parseWith(conversationIdSchema, params);
  const runId = hasBody(req) ? (await readJson(req, cancelRunSchema)).runId : undefined;
  await getOwnedConversation(principal, id);
  const run = await cancelRun(id, correlationId, runId);
  if (!run) throw new AppError("conflict", "Nothing is running in this conversation.");
  return json({ runId: run.id }, 202);
});

function hasBody(req: Request): boolean {
  const length = req.headers.get("content-length");
  return req.headers.has("content-type") || (length !== null && length !== "0");
}

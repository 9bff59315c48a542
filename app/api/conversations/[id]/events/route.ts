import { getOwnedConversation } from "@/lib/chat/conversations";
import { conversationIdSchema, resumeSchema } from "@/lib/chat/schemas";
import { conversationEventStream } from "@/lib/chat/sse";
import { parseWith } from "@/lib/http/body";
import { SSE_HEADERS } from "@/lib/http/log-stream";
import { userRoute } from "@/lib/http/route";
import { acquireStreamSlot } from "@/lib/limits/streams";

export const dynamic = "force-dynamic";

export const GET = userRoute<{ id: string }>(async ({ req, params, principal }) => {
  const { id } = parseWith(conversationIdSchema, params);
  const url = new URL(req.url);
  const { after } = parseWith(resumeSchema, {
    after: req.headers.get("last-event-id") ?? url.searchParams.get("after") ?? undefined,
  });
  await getOwnedConversation(principal, id);
  const release = acquireStreamSlot(principal.userId);
  const body = conversationEventStream({
    conversationId: id,
    after: after ?? 0,
    signal: req.signal,
    onClose: release,
  });
  return new Response(body, { headers: SSE_HEADERS });
});

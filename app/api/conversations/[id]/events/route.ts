import { getOwnedConversation } from "@/lib/chat/conversations";
import { conversationIdSchema, resumeSchema } from "@/lib/chat/schemas";
import { conversationEventStream } from "@/lib/chat/sse";
import { parseWith } from "@/lib/http/body";
import { SSE_HEADERS } from "@/lib/http/log-stream";
import { route } from "@/lib/http/route";
import { authenticate } from "@/lib/identity/authenticate";

export const dynamic = "force-dynamic";

export const GET = route<{ id: string }>(async ({ req, params }) => {
  const { id } = parseWith(conversationIdSchema, params);
  const url = new URL(req.url);
  const { after } = parseWith(resumeSchema, {
    after: req.headers.get("last-event-id") ?? url.searchParams.get("after") ?? undefined,
  });
  const principal = await authenticate(req);
  await getOwnedConversation(principal, id);
  const body = conversationEventStream({
    conversationId: id,
    after: after ?? 0,
    signal: req.signal,
  });
  return new Response(body, { headers: SSE_HEADERS });
});

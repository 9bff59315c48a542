import { approvalFeedStream } from "@/lib/approvals/stream";
import { resumeSchema } from "@/lib/chat/schemas";
import { parseWith } from "@/lib/http/body";
import { SSE_HEADERS } from "@/lib/http/log-stream";
import { userRoute } from "@/lib/http/route";
import { acquireStreamSlot } from "@/lib/limits/streams";

export const dynamic = "force-dynamic";

/** The inbox feed: requests, decisions and expiries the caller may see, live and resumable. */
export const GET = userRoute(async ({ req, principal }) => {
  const url = new URL(req.url);
  const { after } = parseWith(resumeSchema, {
    after: req.headers.get("last-event-id") ?? url.searchParams.get("after") ?? undefined,
  });
  const release = acquireStreamSlot(principal.userId);
  const body = approvalFeedStream({
    principal,
    after: after ?? 0,
    signal: req.signal,
    onClose: release,
  });
  return new Response(body, { headers: SSE_HEADERS });
});

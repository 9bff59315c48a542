import { approvalFeedStream } from "@/lib/approvals/stream";
import { resumeSchema } from "@/lib/chat/schemas";
import { parseWith } from "@/lib/http/body";
import { SSE_HEADERS } from "@/lib/http/log-stream";
import { route } from "@/lib/http/route";
import { authenticate } from "@/lib/identity/authenticate";

export const dynamic = "force-dynamic";

/** The inbox feed: requests, decisions and expiries the caller may see, live and resumable. */
export const GET = route(async ({ req }) => {
  const principal = await authenticate(req);
  const url = new URL(req.url);
  const { after } = parseWith(resumeSchema, {
    after: req.headers.get("last-event-id") ?? url.searchParams.get("after") ?? undefined,
  });
  const body = approvalFeedStream({ principal, after: after ?? 0, signal: req.signal });
  return new Response(body, { headers: SSE_HEADERS });
});

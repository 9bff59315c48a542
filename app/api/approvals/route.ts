import { currentFeedSeq } from "@/lib/approvals/feed";
import { toApprovalView } from "@/lib/approvals/present";
import { getDb } from "@/lib/db/client";
import { listApprovalsSchema } from "@/lib/approvals/schemas";
import { listApprovals } from "@/lib/approvals/store";
import { parseWith } from "@/lib/http/body";
import { json, userRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** The caller's own requests (`scope=mine`) or those they may decide (`scope=inbox`). */
export const GET = userRoute(async ({ req, principal }) => {
  const url = new URL(req.url);
  const query = parseWith(listApprovalsSchema, Object.fromEntries(url.searchParams));
  // Read the feed's end first: whatever changes after it reaches a reader that follows from it.
  const feedSeq = await currentFeedSeq(await getDb());
  const rows = await listApprovals({ principal, ...query });
  const now = new Date();
  return json({ items: rows.map((r) => toApprovalView(r, principal, now)), feedSeq });
});

import { getDb } from "@/lib/db/client";
import { logEventStream } from "@/lib/http/log-stream";
import type { Principal } from "@/lib/identity/principal";
import { approvalsChannel, readFeed, type FeedRow } from "./feed";
import { toApprovalView } from "./present";
import { canSee } from "./rules";
import type { ApprovalFeedEvent } from "./view";

/**
 * The approvals feed for one reader: every entry is numbered in one global log; entries about
 * approvals the reader may not see are skipped (their numbers still advance the cursor).
 */
export function approvalFeedStream(opts: {
  principal: Principal;
  after: number;
  signal: AbortSignal;
  onClose?: () => void;
}): ReadableStream<Uint8Array> {
  const { principal } = opts;
  return logEventStream<FeedRow>({
    channel: approvalsChannel,
    after: opts.after,
    signal: opts.signal,
    onClose: opts.onClose,
    read: async (after, limit) => readFeed(await getDb(), after, limit),
    frame: (row) => {
      if (!canSee(principal, row.approval)) return null;
      const event: ApprovalFeedEvent = {
        seq: row.seq,
        type: row.type,
        at: row.at.toISOString(),
        approval: toApprovalView(row.approval, principal),
      };
      return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
    },
    // The bus only says "something new": the entry is read with the approval's current state.
    fromBus: () => null,
  });
}

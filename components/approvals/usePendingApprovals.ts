"use client";

import { useEffect, useMemo, useState } from "react";
import { createApprovalsClient } from "@/lib/approvals/api-client";
import { APPROVALS_CHANGED_EVENT } from "./ApprovalsClientContext";

export const PENDING_POLL_MS = 30_000;

/**
 * How many requests wait for the user's decision (inbox, pending): polled every 30 s, when the
 * tab becomes visible again, and when a decision is taken in this window. Undefined until known;
 * a failure keeps the last count (a badge is not worth an error message).
 */
export function usePendingApprovals(
  getAccessToken: () => Promise<string>,
  intervalMs = PENDING_POLL_MS,
): number | undefined {
  const client = useMemo(() => createApprovalsClient(getAccessToken), [getAccessToken]);
  const [count, setCount] = useState<number>();

  useEffect(() => {
    let live = true;
    const refresh = () => {
      if (document.visibilityState === "hidden") return;
      client.list("inbox", "pending", 200).then(
        (items) => {
          if (live) setCount(items.filter((a) => a.canDecide).length);
        },
        () => {},
      );
    };
    refresh();
    const timer = setInterval(refresh, intervalMs);
    document.addEventListener("visibilitychange", refresh);
    window.addEventListener(APPROVALS_CHANGED_EVENT, refresh);
    return () => {
      live = false;
      clearInterval(timer);
      document.removeEventListener("visibilitychange", refresh);
      window.removeEventListener(APPROVALS_CHANGED_EVENT, refresh);
    };
  }, [client, intervalMs]);

  return count;
}

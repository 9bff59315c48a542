"use client";

import { ArrowLeft } from "lucide-react";
import Link from "next/link";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Spinner } from "@/components/ui/Spinner";
import {
  ApiError,
  createApprovalsClient,
  subscribeToApprovalFeed,
} from "@/lib/approvals/api-client";
import type { ApprovalView } from "@/lib/approvals/view";
import { announceApprovalsChanged } from "./ApprovalsClientContext";
import { ApprovalItem } from "./ApprovalItem";
import { useNow } from "./useNow";

const NOT_FOUND = "This approval request does not exist or is not yours to see.";

type Load =
  | { kind: "loading" }
  | { kind: "ready"; approval: ApprovalView }
  | { kind: "missing" }
  | { kind: "failed"; message: string };

/**
 * One approval request (where the MCP ledger's `approval_url` leads): its details, decide
 * controls when the viewer may decide, kept current by the approvals feed.
 */
export function ApprovalDetail({
  id,
  getAccessToken,
}: {
  id: string;
  getAccessToken: () => Promise<string>;
}) {
  const tokens = useRef(getAccessToken);
  useEffect(() => {
    tokens.current = getAccessToken;
  });
  const client = useMemo(() => createApprovalsClient(getAccessToken), [getAccessToken]);
  const [load, setLoad] = useState<Load>({ kind: "loading" });
  const [notice, setNotice] = useState<string>();
  const [attempt, setAttempt] = useState(0);
  // The feed is followed from where it stood when the request was read.
  const [feedAfter, setFeedAfter] = useState<number>();
  const now = useNow();

  useEffect(() => {
    let live = true;
    client.get(id).then(
      ({ feedSeq, ...approval }) => {
        if (!live) return;
        setLoad({ kind: "ready", approval });
        setFeedAfter((known) => known ?? feedSeq);
      },
      (err: unknown) => {
        if (!live) return;
        if (err instanceof ApiError && (err.status === 404 || err.status === 400)) {
          setLoad({ kind: "missing" });
        } else {
          setLoad({
            kind: "failed",
            message: err instanceof ApiError ? err.message : "This request could not be loaded.",
          });
        }
      },
    );
    return () => {
      live = false;
    };
  }, [client, id, attempt]);

  // Someone else may decide it, or it may expire, while the page is open.
  useEffect(() => {
    if (feedAfter === undefined) return;
    const controller = new AbortController();
    void subscribeToApprovalFeed({
      after: feedAfter,
      getAccessToken: () => tokens.current(),
      signal: controller.signal,
      onEvent: (e) => {
        if (e.approval.id !== id) return;
        setLoad((l) =>
          l.kind === "ready" && l.approval.status !== "pending" && e.approval.status === "pending"
            ? l
            : { kind: "ready", approval: e.approval },
        );
      },
    });
    return () => controller.abort();
  }, [id, feedAfter]);

  const decide = useCallback(
    async (_id: string, approve: boolean, reason?: string) => {
      setNotice(undefined);
      try {
        const r = await client.decide(id, approve, reason);
        setLoad((l) =>
          l.kind === "ready"
            ? {
                kind: "ready",
                approval: {
                  ...l.approval,
                  status: r.status,
                  decidedBy: { id: "", name: r.decidedBy || "you" },
                  decidedAt: r.decidedAt,
                  reason: reason ?? null,
                  canDecide: false,
                },
              }
            : l,
        );
        announceApprovalsChanged();
      } catch (err) {
        if (err instanceof ApiError) {
          setNotice(err.message);
          client.get(id).then(
            (approval) => setLoad({ kind: "ready", approval }),
            () => {},
          );
        }
        throw err;
      }
    },
    [client, id],
  );

  return (
    <div className="mx-auto w-full max-w-3xl px-4 py-6">
      <p className="text-sm">
        <Link
          href="/approvals"
          className="inline-flex min-h-6 items-center gap-1 text-primary hover:underline"
        >
          <ArrowLeft aria-hidden className="size-4" />
          All approvals
        </Link>
      </p>
      <h1 className="mt-2 text-xl font-semibold">Approval request</h1>
      <div className="mt-4">
        {load.kind === "loading" ? (
          <Spinner label="Loading the approval request" />
        ) : load.kind === "missing" ? (
          <p role="alert" className="rounded-md bg-muted p-4 text-sm">
            {NOT_FOUND}
          </p>
        ) : load.kind === "failed" ? (
          <div role="alert" className="rounded-md bg-destructive/10 p-4 text-sm">
            <p>{load.message}</p>
            <button
              type="button"
              onClick={() => {
                setLoad({ kind: "loading" });
                setAttempt((n) => n + 1);
              }}
              className="mt-2 min-h-9 rounded-md border px-3 text-sm hover:bg-muted"
            >
              Try again
            </button>
          </div>
        ) : (
          <ApprovalItem
            approval={load.approval}
            now={now}
            onDecide={decide}
            notice={notice}
            headingLevel={2}
            linkToDetail={false}
          />
        )}
      </div>
    </div>
  );
}

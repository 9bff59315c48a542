"use client";

import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";
import {
  ApiError,
  createApprovalsClient,
  subscribeToApprovalFeed,
  userIdFromToken,
} from "@/lib/approvals/api-client";
import type { StreamStatus } from "@/lib/chat/client/event-stream";
import type { ApprovalFeedEvent, ApprovalView, DecisionResult } from "@/lib/approvals/view";
import { announceApprovalsChanged } from "./ApprovalsClientContext";
import {
  applyDecision,
  applyFeedEvent,
  applyList,
  applyView,
  DECIDED_LIMIT,
  emptyInbox,
  placement,
  type InboxState,
  type Scope,
} from "./inbox-state";

type Action =
  | { type: "list"; scope: Scope; items: ApprovalView[] }
  | { type: "feed"; event: ApprovalFeedEvent; selfId?: string }
  | { type: "view"; view: ApprovalView; selfId?: string }
  | { type: "decision"; result: DecisionResult; reason?: string };

function reducer(state: InboxState, action: Action): InboxState {
  switch (action.type) {
    case "list":
      return applyList(state, action.scope, action.items);
    case "feed":
      return applyFeedEvent(state, action.event, action.selfId);
    case "view":
      return applyView(state, action.view, action.selfId);
    case "decision":
      return applyDecision(state, action.result, action.reason);
  }
}

const message = (err: unknown) =>
  err instanceof ApiError ? err.message : "The approvals could not be loaded. Please try again.";

/** What a feed entry means for someone listening (the page's polite live region). */
function announcement(e: ApprovalFeedEvent, selfId: string | undefined): string | undefined {
  const a = e.approval;
  if (e.type === "approval.requested") {
    return placement(a, selfId).inbox && a.canDecide
      ? `New approval request from ${a.requester.name}: ${a.tool}.`
      : undefined;
  }
  if (e.type === "approval.decided") {
    const who = a.decidedBy ? ` by ${a.decidedBy.name}` : "";
    return `${a.tool} for ${a.requester.name} was ${a.status}${who}.`;
  }
  return `${a.tool} for ${a.requester.name} expired without a decision.`;
}

/**
 * The approvals page's data: the inbox and "My requests" (pending and recently decided), loaded
 * once and kept live by `/api/approvals/events`; `decide` posts a decision and shows it at once.
 */
export function useApprovalInbox(getAccessToken: () => Promise<string>) {
  const [state, dispatch] = useReducer(reducer, undefined, emptyInbox);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string>();
  const [feed, setFeed] = useState<{ state: StreamStatus; detail?: string }>({
    state: "connecting",
  });
  const [announce, setAnnounce] = useState("");
  const [reloads, setReloads] = useState(0);
  // Why a decision taken here was refused, by approval id (it outlives the decide controls).
  const [notices, setNotices] = useState<Record<string, string>>({});
  const selfId = useRef<string | undefined>(undefined);
  // The open feed always asks the latest token getter without being restarted by it.
  const tokens = useRef(getAccessToken);
  useEffect(() => {
    tokens.current = getAccessToken;
  });
  const client = useMemo(() => createApprovalsClient(getAccessToken), [getAccessToken]);

  // The feed is followed from where it stood when the lists were read (undefined: not yet).
  const [feedAfter, setFeedAfter] = useState<number>();

  useEffect(() => {
    let live = true;
    const load = async (scope: Scope) => {
      const [pending, decided] = await Promise.all([
        client.list(scope, "pending", 200),
        client.list(scope, "decided", DECIDED_LIMIT),
      ]);
      if (live) dispatch({ type: "list", scope, items: [...pending, ...decided] });
      return Math.min(pending.feedSeq, decided.feedSeq);
    };
    Promise.all([load("inbox"), load("mine")]).then(
      (positions) => {
        if (!live) return;
        setFeedAfter((known) => known ?? Math.min(...positions));
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (!live) return;
        setError(message(err));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [client, reloads]);

  useEffect(() => {
    if (feedAfter === undefined) return;
    const controller = new AbortController();
    void (async () => {
      try {
        selfId.current = userIdFromToken(await tokens.current());
      } catch {
        // The feed asks again and reports a sign-in problem itself.
      }
      if (controller.signal.aborted) return;
      await subscribeToApprovalFeed({
        after: feedAfter,
        getAccessToken: () => tokens.current(),
        signal: controller.signal,
        onEvent: (event) => {
          dispatch({ type: "feed", event, selfId: selfId.current });
          const said = announcement(event, selfId.current);
          if (said) setAnnounce(said);
        },
        onStatus: (s, detail) => setFeed({ state: s, detail }),
      });
    })();
    return () => controller.abort();
  }, [feedAfter]);

  const decide = useCallback(
    async (id: string, approve: boolean, reason?: string) => {
      try {
        const result = await client.decide(id, approve, reason);
        dispatch({ type: "decision", result, reason });
        setNotices((n) => Object.fromEntries(Object.entries(n).filter(([k]) => k !== id)));
        announceApprovalsChanged();
      } catch (err) {
        // Decided elsewhere or gone: show what it is now, then say why this one failed.
        if (err instanceof ApiError) setNotices((n) => ({ ...n, [id]: err.message }));
        if (err instanceof ApiError && (err.status === 409 || err.status === 403)) {
          client.get(id).then(
            (view) => dispatch({ type: "view", view, selfId: selfId.current }),
            () => {},
          );
        }
        throw err;
      }
    },
    [client],
  );

  const reload = useCallback(() => {
    setLoading(true);
    setReloads((n) => n + 1);
  }, []);

  return { state, loading, error, feed, announce, notices, decide, reload };
}

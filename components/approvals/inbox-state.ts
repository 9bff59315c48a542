import type { ApprovalFeedEvent, ApprovalView } from "@/lib/approvals/view";

/**
 * The approvals page's data: two collections by id — the inbox (requests the user may decide)
 * and "My requests" — filled by the two list calls and kept current by the feed, whose entries
 * carry the approval as it is now (so applying one twice, or late, is harmless). Pure.
 */
export interface InboxState {
  inbox: Record<string, ApprovalView>;
  mine: Record<string, ApprovalView>;
  /** Highest feed seq applied (the resume cursor). */
  lastSeq: number;
}

export type Scope = "inbox" | "mine";

export const DECIDED_LIMIT = 20;

export function emptyInbox(): InboxState {
  return { inbox: {}, mine: {}, lastSeq: 0 };
}

/** An approval only moves forward: a decided state is never replaced by a stale pending one. */
function pick(current: ApprovalView | undefined, incoming: ApprovalView): ApprovalView {
  if (current && current.status !== "pending" && incoming.status === "pending") return current;
  return incoming;
}

function put(coll: Record<string, ApprovalView>, view: ApprovalView): Record<string, ApprovalView> {
  return { ...coll, [view.id]: pick(coll[view.id], view) };
}

/**
 * Where a feed entry belongs. With the user's id it is exact (the rules: the requester decides a
 * request without a required role, someone else with the role decides the others). Without it,
 * what the view says is used; undefined means "only update it where it already is".
 */
export function placement(
  view: ApprovalView,
  selfId?: string,
): { inbox?: boolean; mine?: boolean } {
  if (selfId) {
    const mine = view.requester.id === selfId;
    return { mine, inbox: view.requiredRole === null ? mine : !mine };
  }
  // Only the requester is told which conversation asked.
  if (view.conversationId !== null) return { mine: true, inbox: view.requiredRole === null };
  if (view.requiredRole === null) return { mine: true, inbox: true };
  if (view.status === "pending") return view.canDecide ? { inbox: true } : { mine: true };
  return {};
}

export function applyList(state: InboxState, scope: Scope, items: ApprovalView[]): InboxState {
  let coll = state[scope];
  for (const item of items) coll = put(coll, item);
  return { ...state, [scope]: coll };
}

export function applyView(state: InboxState, view: ApprovalView, selfId?: string): InboxState {
  const where = placement(view, selfId);
  const next = { ...state };
  for (const scope of ["inbox", "mine"] as const) {
    if (where[scope] || state[scope][view.id]) next[scope] = put(state[scope], view);
  }
  return next;
}

export function applyFeedEvent(
  state: InboxState,
  event: ApprovalFeedEvent,
  selfId?: string,
): InboxState {
  if (event.seq <= state.lastSeq) return state;
  return { ...applyView(state, event.approval, selfId), lastSeq: event.seq };
}

/** The decision this page just took, before the feed confirms it. */
export function applyDecision(
  state: InboxState,
  decision: { id: string; status: "approved" | "rejected"; decidedBy: string; decidedAt: string },
  reason?: string,
): InboxState {
  const next = { ...state };
  for (const scope of ["inbox", "mine"] as const) {
    const current = state[scope][decision.id];
    if (!current || current.status !== "pending") continue;
    next[scope] = {
      ...state[scope],
      [decision.id]: {
        ...current,
        status: decision.status,
        decidedBy: { id: "", name: decision.decidedBy || "you" },
        decidedAt: decision.decidedAt,
        reason: reason ?? null,
        canDecide: false,
      },
    };
  }
  return next;
}

const time = (iso: string | null) => (iso ? Date.parse(iso) : 0);

/** Pending newest first; decided most recently decided first, at most DECIDED_LIMIT. */
export function sections(coll: Record<string, ApprovalView>) {
  const all = Object.values(coll);
  const pending = all
    .filter((a) => a.status === "pending")
    .sort((a, b) => time(b.createdAt) - time(a.createdAt));
  const decided = all
    .filter((a) => a.status !== "pending")
    .sort((a, b) => time(b.decidedAt ?? b.expiresAt) - time(a.decidedAt ?? a.expiresAt))
    .slice(0, DECIDED_LIMIT);
  return { pending, decided };
}

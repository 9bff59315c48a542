/**
 * Browser client of the approvals API (DESIGN §9): lists, one request, a decision, and the live
 * feed. Browser-safe (no Node-only imports); errors are ApiErrors worded for the person deciding.
 */
import { ApiError, createCaller, type Problem } from "@/lib/chat/api-client";
import { subscribeToEventLog, type StreamStatus } from "@/lib/chat/client/event-stream";
import type { BackoffOptions } from "@/lib/chat/client/backoff";
import {
  approvalFeedEventSchema,
  approvalViewSchema,
  decisionResultSchema,
  type ApprovalFeedEvent,
  type ApprovalView,
  type DecisionResult,
} from "./view";

export { ApiError };

export type ApprovalScope = "mine" | "inbox";
export type ApprovalListStatus = "pending" | "decided";

/** Plain words for what a refused approvals request means. */
function describe(status: number, problem: Problem): string | undefined {
  switch (status) {
    case 400:
    case 404:
      return "This approval request does not exist or is not yours to see.";
    case 403:
      return problem.title?.includes("role")
        ? problem.title
        : "You are not allowed to decide this request.";
    case 409:
      return /expired before|already expired/i.test(problem.title ?? "")
        ? "This request expired before anyone decided."
        : "Someone already decided this request.";
    default:
      return undefined;
  }
}

function parseView(data: unknown): ApprovalView {
  const parsed = approvalViewSchema.safeParse(data);
  if (!parsed.success) throw new ApiError("The server sent an approval this page cannot read.", 0);
  return parsed.data;
}

export function createApprovalsClient(
  getAccessToken: () => Promise<string>,
  fetchImpl?: typeof fetch,
) {
  const call = createCaller(getAccessToken, fetchImpl, describe);
  return {
    list: async (scope: ApprovalScope, status: ApprovalListStatus, limit = 50) => {
      const query = new URLSearchParams({ scope, status, limit: String(limit) });
      const body = await call<{ items: unknown[]; feedSeq?: unknown }>(`/api/approvals?${query}`);
      if (!Array.isArray(body?.items)) {
        throw new ApiError("The server sent a list this page cannot read.", 0);
      }
      const items = body.items.map(parseView);
      // Where the feed stood when the list was read: follow it from there, not from the start.
      const feedSeq = typeof body.feedSeq === "number" ? body.feedSeq : 0;
      return Object.assign(items, { feedSeq });
    },
    get: async (id: string) => {
      const body = await call<{ feedSeq?: unknown }>(`/api/approvals/${encodeURIComponent(id)}`);
      const feedSeq = typeof body?.feedSeq === "number" ? body.feedSeq : 0;
      return Object.assign(parseView(body), { feedSeq });
    },
    decide: async (id: string, approve: boolean, reason?: string): Promise<DecisionResult> => {
      const trimmed = reason?.trim();
      const body = await call<unknown>(`/api/approvals/${encodeURIComponent(id)}/decision`, {
        method: "POST",
        json: { approve, ...(trimmed ? { reason: trimmed } : {}) },
      });
      const parsed = decisionResultSchema.safeParse(body);
      // The decision was taken; an unreadable answer only costs the local echo.
      return parsed.success
        ? parsed.data
        : {
            id,
            status: approve ? "approved" : "rejected",
            decidedBy: "",
            decidedAt: new Date().toISOString(),
          };
    },
  };
}

export type ApprovalsClient = ReturnType<typeof createApprovalsClient>;

const FEED_FATAL_DETAIL: Readonly<Record<number, string>> = {
  403: "You don't have access to approval updates.",
  404: "Live approval updates are not available.",
};

/**
 * `GET /api/approvals/events`: every request, decision and expiry the caller may see, as the
 * approval is now (upsert by id). Same framing, resume and back-off as a conversation's stream.
 */
export function subscribeToApprovalFeed(opts: {
  getAccessToken: () => Promise<string>;
  onEvent: (e: ApprovalFeedEvent) => void;
  onStatus?: (s: StreamStatus, detail?: string) => void;
  signal: AbortSignal;
  after?: number;
  fetchImpl?: typeof fetch;
  backoff?: BackoffOptions;
}): Promise<void> {
  return subscribeToEventLog({
    ...opts,
    url: "/api/approvals/events",
    parse: (data) => {
      const parsed = approvalFeedEventSchema.safeParse(data);
      return parsed.success ? parsed.data : undefined;
    },
    fatalDetail: FEED_FATAL_DETAIL,
  });
}

/**
 * The signed-in user's id as the API knows it (`oid`, else `sub`, of the access token), used only
 * to sort feed entries into "My requests" and the inbox. Undefined when the token is opaque.
 */
export function userIdFromToken(token: string): string | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as { oid?: unknown; sub?: unknown };
    const id = claims.oid ?? claims.sub;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}

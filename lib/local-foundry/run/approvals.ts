import { badRequest } from "../errors";
import type { Json } from "../shapes";
import type { ListedTool } from "../tools/client";

/** An approval response of this turn, with the request it answers (found in history). */
export interface AnsweredApproval {
  request: Json;
  approve: boolean;
  reason: string | null;
}

/**
 * Checks this turn's `mcp_approval_response` items against the history: each must answer an
 * `mcp_approval_request` the history holds and that nobody answered yet (400 otherwise, before
 * anything is stored). Pure; the caller holds the conversation's lock, so two answers to one
 * request in one conversation cannot both pass.
 */
export function resolveApprovals(history: Json[], input: Json[]): AnsweredApproval[] {
  const requests = new Map(
    history.filter((i) => i.type === "mcp_approval_request").map((i) => [String(i.id), i]),
  );
  const answered = new Set<string>();
  for (const i of history) {
    if (i.type === "mcp_approval_response") answered.add(String(i.approval_request_id));
    if (i.type === "mcp_call" && typeof i.approval_request_id === "string")
      answered.add(i.approval_request_id);
  }
  const out: AnsweredApproval[] = [];
  for (const [n, item] of input.entries()) {
    if (item.type !== "mcp_approval_response") continue;
    const id = item.approval_request_id;
    if (typeof id !== "string" || id === "")
      throw badRequest(
        "An mcp_approval_response needs 'approval_request_id'.",
        `input.${n}.approval_request_id`,
      );
    if (typeof item.approve !== "boolean")
      throw badRequest(
        "An mcp_approval_response needs 'approve' (true or false).",
        `input.${n}.approve`,
      );
    const request = requests.get(id);
    if (!request)
      throw badRequest(
        `No approval request '${id}' in this conversation.`,
        `input.${n}.approval_request_id`,
      );
    if (answered.has(id))
      throw badRequest(
        `Approval request '${id}' was already answered.`,
        `input.${n}.approval_request_id`,
        "already_answered",
      );
    answered.add(id);
    const reason =
      typeof item.reason === "string" && item.reason.trim() ? item.reason.trim() : null;
    out.push({ request, approve: item.approve, reason });
  }
  return out;
}

/** The latest successful listing of a server in the history (a continuation does not re-list). */
export function lastListing(history: Json[], serverLabel: string): ListedTool[] | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const item = history[i]!;
    if (item.type !== "mcp_list_tools" || item.server_label !== serverLabel) continue;
    if (item.error || !Array.isArray(item.tools)) return undefined;
    return item.tools as ListedTool[];
  }
  return undefined;
}

export const isApprovalTurn = (input: Json[]) =>
  input.some((i) => i.type === "mcp_approval_response");

import type { ApprovalRisk, ApprovalRow } from "@/lib/db/schema";
import { ROLES, type Principal } from "@/lib/identity/principal";

/**
 * Who sees and who decides an approval (DESIGN §3a). Pure: every route and the feed ask here.
 * - `write`: the requester decides their own call.
 * - `privileged`: someone holding the Approver role who is not the requester (four-eyes).
 */
export function requiredRoleFor(risk: ApprovalRisk): string | null {
  return risk === "privileged" ? ROLES.approver : null;
}

type Facts = Pick<ApprovalRow, "requesterId" | "requiredRole" | "status" | "expiresAt">;

const isRequester = (p: Principal, a: Facts) => p.kind === "user" && p.userId === a.requesterId;
const holdsRole = (p: Principal, role: string) => p.kind === "user" && p.roles.includes(role);

/** A possible decider, whatever the approval's state: what the inbox shows. */
export function isDecider(p: Principal, a: Facts): boolean {
  if (a.requiredRole === null) return isRequester(p, a);
  return holdsRole(p, a.requiredRole) && !isRequester(p, a);
}

/** The requester and its possible deciders see it; for anyone else it does not exist (404). */
export function canSee(p: Principal, a: Facts): boolean {
  return isRequester(p, a) || isDecider(p, a);
}

export type DecisionVerdict =
  { ok: true } | { ok: false; status: 403 | 404 | 409; message: string };

/** Whether `p` may decide now; `now` is passed in so the check stays pure. */
export function decisionVerdict(p: Principal, a: Facts, now: Date): DecisionVerdict {
  if (!canSee(p, a)) return { ok: false, status: 404, message: "No such approval request." };
  if (!isDecider(p, a)) {
    return {
      ok: false,
      status: 403,
      message:
        a.requiredRole && isRequester(p, a)
          ? `This call needs a decision by someone else with the ${a.requiredRole} role.`
          : "You may not decide this request.",
    };
  }
  if (a.status !== "pending")
    return { ok: false, status: 409, message: `This request was already ${a.status}.` };
  if (a.expiresAt.getTime() <= now.getTime())
    return { ok: false, status: 409, message: "This request expired before a decision." };
  return { ok: true };
}

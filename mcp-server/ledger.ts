import {
  UrlElicitationRequiredError,
  type CallToolResult,
  type ClientCapabilities,
} from "@modelcontextprotocol/sdk/types.js";
import { approvalUrl } from "@/lib/approvals/present";
import {
  consumeApproval,
  createApproval,
  findPendingLike,
  releaseApproval,
} from "@/lib/approvals/store";
import { getConfig } from "@/lib/config";
import type { ApprovalRow } from "@/lib/db/schema";
import type { Principal } from "@/lib/identity/principal";
import { logger } from "@/lib/log";
import type { Risk } from "./catalog/types";
import { approvalFor, type Policy, type PolicyTool } from "./policy";
import { errorBody, errorResult } from "./results";

/**
 * The approval ledger (DESIGN §3a "Ledger"): defence in depth at /api/mcp. A `write` or
 * `privileged` tools/call runs only against a matching approval — approved, unexpired, unconsumed,
 * same tool, same canonical arguments and, for user callers, the same user — which it consumes
 * atomically, once. Whatever the client (our agent, the Foundry portal, the MCP Inspector), no
 * write happens without the decision the policy asks for.
 *
 * Matching uses `argumentHash()` of the arguments object **as the client sent it** (before zod
 * defaults or coercions are applied): the chat side hashes the parsed `arguments` of the agent
 * service's `mcp_approval_request` the same way, and the agent service sends exactly those
 * arguments in its tools/call.
 */

/**
 * Per-request client capabilities (SEP-2575, stateless MCP). This server is stateless — every
 * POST gets a fresh server that never saw the client's `initialize` — so a client that wants the
 * URL-elicitation error declares `{ elicitation: { url: {} } }` here on its tools/call.
 */
export const CLIENT_CAPABILITIES_META = "io.modelcontextprotocol/clientCapabilities";

/** One write or privileged call, as the ledger sees it. */
export interface LedgerCall {
  principal: Principal;
  tool: string;
  /** The policy's effective risk (write or privileged). */
  risk: Risk;
  /** The arguments exactly as the client sent them (what a person approved). */
  args: Record<string, unknown>;
  argsHash: string;
  correlationId: string;
}

/** A consumed approval; `release()` gives it back when the call provably did nothing. */
export interface Ticket {
  approval: ApprovalRow;
  release(): Promise<void>;
}

/** Whether this tool's calls need an approval at /api/mcp (never for read tools; off by switch). */
export function ledgerGoverns(tool: PolicyTool, policy: Policy): boolean {
  return getConfig().mcp.approvalLedger && approvalFor(tool, policy) === "always";
}

/**
 * Consumes the oldest matching approved approval, or returns undefined. User callers (tokens and
 * user-kind access keys) match only their own approvals; app callers (app tokens, app keys) match
 * an approval of any requester for exactly this tool and these arguments — the person approved
 * exactly this call in the app, and the agent service then makes it with the connection's key.
 */
export async function consumeForCall(call: LedgerCall): Promise<Ticket | undefined> {
  const approval = await consumeApproval({
    tool: call.tool,
    argsHash: call.argsHash,
    requesterId: call.principal.kind === "user" ? call.principal.userId : null,
    correlationId: call.correlationId,
  });
  if (!approval) return undefined;
  return {
    approval,
    release: async () => {
      try {
        await releaseApproval({ id: approval.id, correlationId: call.correlationId });
      } catch (err) {
        // The approval stays consumed: a retry then asks for a new one (safe, only less convenient).
        logger().warn({ err, approvalId: approval.id }, "could not release an unused approval");
      }
    },
  };
}

/** Look-ups (and creations) under way in this process, so concurrent refused calls share one. */
const pendingLookups = new Map<string, Promise<ApprovalRow>>();

/**
 * The pending approval for this caller, tool and arguments: an existing one (no pile of
 * duplicates when a client retries), else a new one announced to its deciders. Undefined for app
 * callers: an approval needs a person to stand behind the request, and nobody could decide one an
 * application asked for; apps rely on approvals made in the app (e.g. the chat's approval card).
 */
export async function pendingApprovalFor(call: LedgerCall): Promise<ApprovalRow | undefined> {
  const p = call.principal;
  if (p.kind !== "user") return undefined;
  const key = `${p.userId}\u0000${call.tool}\u0000${call.argsHash}`;
  const inFlight = pendingLookups.get(key);
  if (inFlight) return inFlight;
  const lookup = (async () => {
    const existing = await findPendingLike({
      tool: call.tool,
      argsHash: call.argsHash,
      requesterId: p.userId,
    });
    return (
      existing ??
      createApproval({
        source: "mcp",
        tool: call.tool,
        serverLabel: getConfig().mcp.serverLabel,
        arguments: JSON.stringify(call.args),
        argsHash: call.argsHash,
        risk: call.risk,
        requester: p,
        context: `Direct call to ${call.tool} at /api/mcp`,
        correlationId: call.correlationId,
      })
    );
  })().finally(() => pendingLookups.delete(key));
  pendingLookups.set(key, lookup);
  return lookup;
}

function requiredMessage(call: LedgerCall, approval: ApprovalRow | undefined): string {
  if (!approval) {
    return (
      `Calling ${call.tool} needs a person's approval of exactly this call in Foundry Agent Chat ` +
      "(an application cannot ask for one). Make the same call again once it is approved."
    );
  }
  const who = approval.requiredRole ? `someone else with the ${approval.requiredRole} role` : "you";
  return (
    `Calling ${call.tool} needs approval by ${who}. Open approval_url to see and decide the ` +
    "request, then make the same call again with the same arguments."
  );
}

/** The isError result of a refused call: `approval_required` with the approval and its link. */
export function approvalRequiredResult(
  call: LedgerCall,
  approval: ApprovalRow | undefined,
): CallToolResult {
  return errorResult(
    errorBody("approval_required", requiredMessage(call, approval), call.correlationId, {
      retriable: true,
      ...(approval ? { approvalId: approval.id, approvalUrl: approvalUrl(approval.id) } : {}),
    }),
  );
}

/** Whether the client declared URL-mode elicitation (per request, or in a session's initialize). */
export function wantsUrlElicitation(
  meta: Record<string, unknown> | undefined,
  sessionCapabilities: ClientCapabilities | undefined,
): boolean {
  const perRequest = meta?.[CLIENT_CAPABILITIES_META];
  const declared = isObject(perRequest) ? perRequest : sessionCapabilities;
  const elicitation = declared?.elicitation;
  return isObject(elicitation) && isObject(elicitation.url);
}

/** MCP 2025-11-25 `URLElicitationRequiredError` (-32042): open the approval, then retry. */
export function approvalElicitation(
  call: LedgerCall,
  approval: ApprovalRow,
): UrlElicitationRequiredError {
  const message = requiredMessage(call, approval).replace("Open approval_url", "Open this page");
  return new UrlElicitationRequiredError(
    [{ mode: "url", elicitationId: approval.id, url: approvalUrl(approval.id), message }],
    message,
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

import { ROLES, type Principal } from "@/lib/identity/principal";
import { catalogTools } from "./catalog";
import type { Risk, ToolDefinition } from "./catalog/types";

/**
 * THE tool policy of the MCP server, in one declarative place. Everything that asks "may this
 * caller see or call this tool, and who must approve it" reads it through the pure functions
 * below: tools/list and tools/call (mcp-server/), GET /api/tools (the UI), and the Foundry agent
 * tool definition (mcp-server/foundry-tool.ts).
 */

/**
 * App roles an application (Entra app-only token, or an access key) needs. Entra issues app-only
 * tokens for our API to any app in the tenant unless assignment is required, so an app without
 * one of these roles may call nothing.
 */
export const APP_ROLES = { read: "Tools.Read", write: "Tools.Write" } as const;

export type Approval = "never" | "always";

/** Who may call: every signed-in user, or users holding one of the roles. */
export type UserRule = "any" | readonly string[];

export interface RiskRule {
  /** Whether the Foundry agent (and our chat) must ask before calling. */
  approval: Approval;
  /** Roles of the person who may approve (empty: the requester may approve their own call). */
  approverRoles: readonly string[];
  users: UserRule;
  /** App roles that let an application call; empty: applications never may. */
  apps: readonly string[];
}

/** An override applies to the tools matching every matcher it sets. */
export interface ToolOverride {
  /** Tool name or `*` glob (e.g. `openapi_*_payment*`). */
  match?: string;
  /** HTTP methods of a tool generated from an OpenAPI operation. */
  openapiMethods?: readonly HttpMethod[];
  /** Raises the tool's risk (an override never lowers what a tool declares). */
  risk?: Risk;
  users?: UserRule;
  apps?: readonly string[];
  why: string;
}

type HttpMethod = "get" | "post" | "put" | "patch" | "delete";
const CHANGES: readonly HttpMethod[] = ["post", "put", "patch", "delete"];

export interface Policy {
  /** Only tools matching one of these names or globs exist for callers at all. */
  allow: readonly string[];
  risks: Readonly<Record<Risk, RiskRule>>;
  /** Applied in order; a later match wins for the fields it sets. */
  overrides: readonly ToolOverride[];
}

export const POLICY: Policy = {
  allow: [
    "twilio_send_sms",
    "twilio_send_whatsapp",
    "tavily_search",
    "gmail_*",
    "planner_*",
    "outlook_send_mail",
    "teams_post_message",
    "provider_connection_status",
    // Tools imported from OpenAPI documents (mcp-server/openapi); their risk comes from the method.
    "openapi_*",
    // Tools of upstream MCP servers (`mcp_<id>_<tool>`): each upstream's own allowlist in the
    // tool backends file decides which exist; their risk comes from their annotations.
    "mcp_*",
    // Composio toolkits' tools (`composio_<slug>`): COMPOSIO_TOOLS decides which exist.
    "composio_*",
  ],
  risks: {
    read: {
      approval: "never",
      approverRoles: [],
      users: "any",
      apps: [APP_ROLES.read, APP_ROLES.write],
    },
    write: { approval: "always", approverRoles: [], users: "any", apps: [APP_ROLES.write] },
    // Money, deletion, bulk sends: a second person with the Approver role approves. No app may
    // call them: nobody could prove an Approver approved a call that did not come through our chat.
    privileged: { approval: "always", approverRoles: [ROLES.approver], users: "any", apps: [] },
  },
  overrides: [
    {
      openapiMethods: ["delete"],
      risk: "privileged",
      why: "Deletes records in a business system.",
    },
    {
      match: "openapi_*_cancel_*",
      openapiMethods: CHANGES,
      risk: "privileged",
      why: "Cancels a customer's commitment.",
    },
    {
      match: "openapi_*payment*",
      openapiMethods: CHANGES,
      risk: "privileged",
      why: "Moves money.",
    },
    { match: "openapi_*refund*", openapiMethods: CHANGES, risk: "privileged", why: "Moves money." },
  ],
};

export type Decision = { allow: true } | { allow: false; reason: string };

/** What the policy looks at in a tool (OpenAPI-generated tools also carry their HTTP method). */
export type PolicyTool = Pick<ToolDefinition, "name" | "risk"> & { openapi?: { method?: string } };

const RISK_ORDER: readonly Risk[] = ["read", "write", "privileged"];

export function isAllowlisted(name: string, policy: Policy = POLICY): boolean {
  return policy.allow.some((pattern) => globMatch(pattern, name));
}

/** The tool's risk after policy overrides (never lower than the tool declares). */
export function effectiveRisk(tool: PolicyTool, policy: Policy = POLICY): Risk {
  return overridesFor(tool, policy).reduce<Risk>(
    (risk, o) => (o.risk && higher(o.risk, risk) ? o.risk : risk),
    tool.risk,
  );
}

export function approvalFor(tool: PolicyTool, policy: Policy = POLICY): Approval {
  return policy.risks[effectiveRisk(tool, policy)].approval;
}

/** Roles one of which the approver of a call to this tool must hold (empty: anyone allowed to ask). */
export function approverRolesFor(tool: PolicyTool, policy: Policy = POLICY): readonly string[] {
  return policy.risks[effectiveRisk(tool, policy)].approverRoles;
}

/** May this principal call (and so see) this tool? */
export function decide(principal: Principal, tool: PolicyTool, policy: Policy = POLICY): Decision {
  if (!isAllowlisted(tool.name, policy))
    return deny(`The tool ${tool.name} is not offered by this server.`);
  const risk = effectiveRisk(tool, policy);
  const rule = callerRule(tool, risk, policy);
  if (principal.kind === "app") {
    if (rule.apps.some((r) => principal.roles.includes(r))) return { allow: true };
    return rule.apps.length === 0
      ? deny(`Applications may not call ${risk} tools; a signed-in user must make this call.`)
      : deny(
          `This application needs one of the app roles ${rule.apps.join(", ")} to call ${tool.name}.`,
        );
  }
  if (rule.users === "any" || rule.users.some((r) => principal.roles.includes(r)))
    return { allow: true };
  return deny(`Calling ${tool.name} needs one of the roles ${rule.users.join(", ")}.`);
}

/** The tools this principal may see and call, in catalog order. */
export function visibleTools(
  principal: Principal,
  tools: readonly ToolDefinition[] = catalogTools(),
  policy: Policy = POLICY,
): ToolDefinition[] {
  return tools.filter((t) => decide(principal, t, policy).allow);
}

/** The tools anyone may call at all (the Foundry agent's `allowed_tools`). */
export function allowlistedTools(
  tools: readonly ToolDefinition[] = catalogTools(),
  policy: Policy = POLICY,
): ToolDefinition[] {
  return tools.filter((t) => isAllowlisted(t.name, policy));
}

/** Where a tool's treatment comes from in the policy (the admin catalog shows it). */
export interface PolicyExplanation {
  /** The `allow` entry that offers the tool, or null when the server does not offer it. */
  allowedBy: string | null;
  declaredRisk: Risk;
  risk: Risk;
  /** The risk rule (`risks[risk]`) after overrides of who may call. */
  rule: RiskRule;
  /** The overrides that apply, in order. */
  overrides: readonly ToolOverride[];
}

export function explainPolicy(tool: PolicyTool, policy: Policy = POLICY): PolicyExplanation {
  const risk = effectiveRisk(tool, policy);
  return {
    allowedBy: policy.allow.find((pattern) => globMatch(pattern, tool.name)) ?? null,
    declaredRisk: tool.risk,
    risk,
    rule: { ...policy.risks[risk], ...callerRule(tool, risk, policy) },
    overrides: overridesFor(tool, policy),
  };
}

function callerRule(
  tool: PolicyTool,
  risk: Risk,
  policy: Policy,
): Pick<RiskRule, "users" | "apps"> {
  const base = { users: policy.risks[risk].users, apps: policy.risks[risk].apps };
  return overridesFor(tool, policy).reduce(
    (rule, o) => ({ users: o.users ?? rule.users, apps: o.apps ?? rule.apps }),
    base,
  );
}

function overridesFor(tool: PolicyTool, policy: Policy): readonly ToolOverride[] {
  return policy.overrides.filter(
    (o) =>
      (o.match !== undefined || o.openapiMethods !== undefined) &&
      (o.match === undefined || globMatch(o.match, tool.name)) &&
      (o.openapiMethods === undefined ||
        o.openapiMethods.includes(tool.openapi?.method as HttpMethod)),
  );
}

function higher(a: Risk, b: Risk): boolean {
  return RISK_ORDER.indexOf(a) > RISK_ORDER.indexOf(b);
}

function deny(reason: string): Decision {
  return { allow: false, reason };
}

const globCache = new Map<string, RegExp>();

/** `*` matches any run of characters; everything else is literal. */
export function globMatch(pattern: string, name: string): boolean {
  let re = globCache.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split("*").map(escapeRegExp).join(".*")}$`);
    globCache.set(pattern, re);
  }
  return re.test(name);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

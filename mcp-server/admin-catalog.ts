import { describeTool, type ToolDescription } from "./describe";
import { catalogTools } from "./catalog";
import type { Risk, ToolDefinition } from "./catalog/types";
import { explainPolicy, POLICY, type Policy, type UserRule } from "./policy";

/** One tool of the admin catalog: what GET /api/tools says, and where the policy decided it. */
export interface AdminToolEntry extends ToolDescription {
  /** Whether the server offers the tool at all (an `allow` entry matches it). */
  offered: boolean;
  /** Roles of users who may call it (`any`: every signed-in user) and app roles that may. */
  callers: { users: UserRule; apps: readonly string[] };
  /** The HTTP operation behind a tool generated from an OpenAPI document. */
  openapi?: { method?: string; path?: string };
  source: {
    allowedBy: string | null;
    declaredRisk: Risk;
    /** `risks.<risk>` in mcp-server/policy.ts. */
    riskRule: string;
    overrides: { match?: string; openapiMethods?: readonly string[]; risk?: Risk; why: string }[];
  };
}

type WithOpenApi = ToolDefinition & { openapi?: { method?: string; path?: string } };

/** Every tool in the catalog (offered or not) with its policy, in catalog order (pure). */
export function adminCatalog(
  tools: readonly ToolDefinition[] = catalogTools(),
  policy: Policy = POLICY,
): AdminToolEntry[] {
  return tools.map((tool) => {
    const t = tool as WithOpenApi;
    const why = explainPolicy(t, policy);
    return {
      ...describeTool(tool, policy),
      offered: why.allowedBy !== null,
      callers: { users: why.rule.users, apps: why.rule.apps },
      ...(t.openapi ? { openapi: { method: t.openapi.method, path: t.openapi.path } } : {}),
      source: {
        allowedBy: why.allowedBy,
        declaredRisk: why.declaredRisk,
        riskRule: `risks.${why.risk}`,
        overrides: why.overrides.map((o) => ({
          ...(o.match !== undefined ? { match: o.match } : {}),
          ...(o.openapiMethods ? { openapiMethods: o.openapiMethods } : {}),
          ...(o.risk ? { risk: o.risk } : {}),
          why: o.why,
        })),
      },
    };
  });
}

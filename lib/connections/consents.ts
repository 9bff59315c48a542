import { credentialFor } from "@/lib/agents/credentials";
import { FOUNDRY_SCOPE, getConfig } from "@/lib/config";
import { AppError } from "@/lib/errors";
import type { Principal } from "@/lib/identity/principal";
import { logger } from "@/lib/log";

/**
 * Server only. The user's tool consents (OAuth identity-passthrough grants of the agent service's
 * MCP connections), read from and revoked at the embedded local agent service
 * (`GET /local-foundry/connections`, `DELETE /local-foundry/connections/{name}/grant`), called as
 * the user with the same credential the RunDriver uses. Foundry has no such API: there the list is
 * empty and `supported` is false (consents are managed in Foundry / Entra).
 */
export interface ToolConsent {
  /** The agent service's connection name (what revoke takes). */
  name: string;
  displayName?: string;
  /** Whether the user has granted it (a listed connection may be known but not granted). */
  granted: boolean;
  /** Granted scopes, or those the connection would ask for. */
  scopes: string[];
  grantedAt?: string;
}

export interface ToolConsents {
  supported: boolean;
  items: ToolConsent[];
}

function endpoint(): string | undefined {
  const agents = getConfig().agents;
  return agents.mode === "local" ? agents.endpoint : undefined;
}

async function authorization(principal: Principal): Promise<string> {
  const token = await credentialFor(principal).getToken(FOUNDRY_SCOPE);
  if (!token) throw new AppError("unavailable", "No credential for the agent service.");
  return `Bearer ${token.token}`;
}

export async function listToolConsents(
  principal: Principal,
  correlationId?: string,
): Promise<ToolConsents> {
  const base = endpoint();
  if (!base) return { supported: false, items: [] };
  try {
    const res = await fetch(`${base}/connections`, {
      headers: { authorization: await authorization(principal), accept: "application/json" },
    });
    if (!res.ok) {
      // 404: a service without the endpoint (older build); nothing to list.
      logger().warn(
        { status: res.status, correlationId },
        "local agent service did not list tool consents",
      );
      return { supported: true, items: [] };
    }
    return { supported: true, items: parseConsents(await res.json()) };
  } catch (err) {
    logger().warn(
      { err, correlationId },
      "could not read tool consents from the local agent service",
    );
    return { supported: true, items: [] };
  }
}

/** Revokes the user's grant of connection `name`; false when there was none to revoke. */
export async function revokeToolConsent(principal: Principal, name: string): Promise<boolean> {
  const base = endpoint();
  if (!base)
    throw new AppError(
      "not_found",
      "Tool consents are managed in Azure AI Foundry, not in this app.",
    );
  const res = await fetch(`${base}/connections/${encodeURIComponent(name)}/grant`, {
    method: "DELETE",
    headers: { authorization: await authorization(principal) },
  });
  if (res.status === 404) return false;
  if (res.ok) {
    const body = (await res.json().catch(() => ({}))) as { deleted?: unknown };
    return body.deleted !== false;
  }
  logger().warn({ status: res.status }, "local agent service refused to revoke a tool consent");
  throw new AppError("upstream_error", "The agent service could not revoke the consent.");
}

/**
 * The local service's list (`{ object: "list", data: [{ name, kind, display_name, scopes, grant:
 * { status, connected_at, scopes } }] }`): only OAuth identity-passthrough connections are consents
 * (a key connection involves no user). Tolerant of `items` or a bare list and of camel case.
 */
export function parseConsents(body: unknown): ToolConsent[] {
  const b = body as { data?: unknown; items?: unknown } | null;
  const list = Array.isArray(body) ? body : Array.isArray(b?.data) ? b.data : b?.items;
  if (!Array.isArray(list)) return [];
  const out: ToolConsent[] = [];
  for (const raw of list) {
    const r = raw as Record<string, unknown> | null;
    if (!r || typeof r !== "object") continue;
    const name = str(r.name);
    if (!name || r.kind === "key") continue;
    const grant = (r.grant && typeof r.grant === "object" ? r.grant : {}) as Record<
      string,
      unknown
    >;
    const granted =
      typeof r.granted === "boolean"
        ? r.granted
        : grant.status === "connected" || grant.status === "granted";
    const grantedAt = granted
      ? time(grant.connected_at ?? grant.connectedAt ?? r.granted_at ?? r.grantedAt)
      : undefined;
    const scopes = granted && Array.isArray(grant.scopes) ? grant.scopes : r.scopes;
    const displayName = str(r.display_name) ?? str(r.displayName);
    out.push({
      name,
      granted,
      scopes: Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === "string") : [],
      ...(displayName ? { displayName } : {}),
      ...(grantedAt ? { grantedAt } : {}),
    });
  }
  return out;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

/** ISO strings as they are; Unix seconds (the agent service's style) become ISO. */
function time(v: unknown): string | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return new Date(v * 1000).toISOString();
  if (typeof v === "string" && !Number.isNaN(Date.parse(v))) return new Date(v).toISOString();
  return undefined;
}

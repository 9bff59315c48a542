import type { Principal } from "@/lib/identity/principal";
import type { BackendAuth } from "@/lib/tool-backends";
import { ToolError } from "@/mcp-server/catalog/types";
import { outboundAuth } from "@/mcp-server/providers/outbound-auth";
import { UpstreamUnauthorizedError } from "./errors";

/**
 * Runs `attempt` with the headers our configured credentials give (never the caller's own token:
 * outbound-auth.ts); when the upstream answers 401, renews them once (a new client-credentials
 * token; OBO asks MSAL again) and tries again. A second 401 is `session_expired` — retriable only
 * where a renewal can change something (client credentials, OBO), not for a static key.
 */
export async function withRenewal<T>(
  source: string,
  auth: BackendAuth,
  principal: Principal,
  attempt: (headers: Record<string, string>) => Promise<T>,
  /** Who the credentials are cached for (app tokens are cached per backend id and client id). */
  authId = source,
): Promise<T> {
  const outbound = outboundAuth(authId, auth);
  try {
    return await attempt(await outbound.headers(principal));
  } catch (err) {
    if (!(err instanceof UpstreamUnauthorizedError)) throw err;
  }
  try {
    return await attempt(await outbound.headers(principal, { renew: true }));
  } catch (err) {
    if (!(err instanceof UpstreamUnauthorizedError)) throw err;
    const renewable = auth.type === "client_credentials" || auth.type === "obo";
    throw new ToolError(
      "session_expired",
      renewable
        ? `The ${source} MCP server refused our credentials, also after renewing them.`
        : `The ${source} MCP server refused our configured credentials; an administrator must fix them.`,
      { retriable: renewable, provider: source },
    );
  }
}

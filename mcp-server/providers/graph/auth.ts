import { AuthError, InteractionRequiredAuthError, ServerError } from "@azure/msal-node";
import { onBehalfOfCredential } from "@/lib/agents/credentials";
import { getConfig } from "@/lib/config";
import { AppError } from "@/lib/errors";
import type { Principal } from "@/lib/identity/principal";
import { logger } from "@/lib/log";
import { ToolError } from "@/mcp-server/catalog/types";

/**
 * The delegated Graph permissions the tools use; each call asks only for its own one
 * (Planner: Tasks.ReadWrite, Outlook: Mail.Send, Teams: ChannelMessage.Send).
 */
export const GRAPH_PERMISSIONS = ["Tasks.ReadWrite", "Mail.Send", "ChannelMessage.Send"] as const;
export type GraphPermission = (typeof GRAPH_PERMISSIONS)[number];

/** `https://graph.microsoft.com/Tasks.ReadWrite` (the resource follows GRAPH_BASE_URL's host). */
export function graphScope(permission: GraphPermission): string {
  return `${getConfig().providers.graph.origin}/${permission}`;
}

/**
 * An access token for Graph, On-Behalf-Of the caller, from MSAL Node with the user's sealed
 * token cache (shared with the Foundry OBO path). `fresh` skips cached tokens: Graph has just
 * rejected one. Failures become the tool error the user can act on (see `oboFailure`).
 */
export async function graphToken(
  principal: Principal,
  permission: GraphPermission,
  opts: { fresh: boolean; correlationId: string },
): Promise<string> {
  try {
    const token = await onBehalfOfCredential(principal.userId, principal.token, {
      fresh: opts.fresh,
    }).getToken(graphScope(permission));
    if (!token?.token) throw new Error("MSAL returned no access token.");
    return token.token;
  } catch (err) {
    const failure = oboFailure(err, permission);
    // MSAL's own error says what Entra answered (the credential's wrapper speaks of Foundry).
    logger().warn(
      {
        err: msalError(err) ?? err,
        provider: "graph",
        code: failure.code,
        correlationId: opts.correlationId,
      },
      "On-Behalf-Of token for Microsoft Graph failed",
    );
    throw failure;
  }
}

/**
 * Entra's admin-consent page for the API app and the Graph permissions the tools use. An
 * administrator grants them for the whole tenant there; anyone else sees Entra's "approval
 * required" page (and may request it where the admin consent workflow is on). Entra then sends
 * the browser to GRAPH_CONSENT_REDIRECT_URI, which must be a Web redirect URI of the API app.
 */
export function graphConsentUrl(): string {
  const { identity, providers } = getConfig();
  const url = new URL(`${identity.authorityHost}/${identity.tenantId}/v2.0/adminconsent`);
  url.searchParams.set("client_id", identity.apiClientId);
  url.searchParams.set("scope", GRAPH_PERMISSIONS.map(graphScope).join(" "));
  url.searchParams.set("redirect_uri", providers.graph.consentRedirectUri);
  return url.toString();
}

/** MSAL's own error, wherever it sits in the cause chain (the credential wraps it in AppError). */
function msalError(err: unknown): AuthError | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e; depth++) {
    if (e instanceof AuthError) return e;
    e = e instanceof Error ? e.cause : undefined;
  }
  return undefined;
}

function aadsts(e: AuthError): string {
  const m = /AADSTS\d+/.exec(`${e.errorMessage} ${e.message}`);
  return m ? ` (${m[0]})` : "";
}

function isConsentMissing(e: AuthError): boolean {
  return (
    e.errorCode === "consent_required" ||
    e.subError === "consent_required" ||
    /AADSTS65001\b/.test(`${e.errorMessage} ${e.message}`)
  );
}

const NETWORK_CODES = new Set([
  "network_error",
  "no_network_connectivity",
  "endpoints_resolution_error",
  "openid_config_error",
  "temporarily_unavailable",
]);

/**
 * What an On-Behalf-Of failure means for the user:
 * - consent missing (AADSTS65001, `consent_required`) or another interaction Entra requires
 *   (`interaction_required`: MFA, Conditional Access) → `auth_required` with the consent link;
 * - the incoming token cannot be exchanged (`invalid_grant`, e.g. AADSTS50013 invalid assertion),
 *   or no token and nothing stored to continue with → `session_expired` (sign in again);
 * - Entra unreachable or unwell → `provider_error` (retriable); anything else → not retriable.
 */
export function oboFailure(err: unknown, permission: GraphPermission): ToolError {
  const e = msalError(err);
  if (e instanceof InteractionRequiredAuthError || (e && isConsentMissing(e))) {
    const message = isConsentMissing(e)
      ? `Microsoft 365 has not been allowed to let this app ${permissionPurpose(permission)} on your behalf${aadsts(e)}. Follow the link to grant consent (an administrator may have to), then try again.`
      : `Microsoft Entra needs you to sign in again${aadsts(e)} (for example for multi-factor authentication) before this app can use Microsoft 365 on your behalf. Follow the link, then try again.`;
    return new ToolError("auth_required", message, {
      connectUrl: graphConsentUrl(),
      provider: "graph",
      retriable: true,
    });
  }
  if (e instanceof ServerError && e.errorCode === "invalid_grant") {
    return new ToolError(
      "session_expired",
      `Microsoft Entra would not accept your sign-in for Microsoft 365${aadsts(e)}; sign in again, then try again.`,
      { retriable: false, provider: "graph" },
    );
  }
  if (err instanceof AppError && err.extensions?.reason === "reauth_required") {
    return new ToolError(
      "session_expired",
      "Your sign-in has expired and nothing is stored to act on your behalf in Microsoft 365; sign in again, then try again.",
      { retriable: false, provider: "graph" },
    );
  }
  if (
    e &&
    (NETWORK_CODES.has(e.errorCode) || (e instanceof ServerError && (e.status ?? 0) >= 500))
  ) {
    return new ToolError(
      "provider_error",
      "Microsoft Entra could not be reached for a Microsoft 365 token.",
      {
        retriable: true,
        provider: "graph",
      },
    );
  }
  return new ToolError("provider_error", "Could not get a Microsoft 365 token on your behalf.", {
    retriable: false,
    provider: "graph",
  });
}

function permissionPurpose(p: GraphPermission): string {
  switch (p) {
    case "Tasks.ReadWrite":
      return "read and change your Planner tasks";
    case "Mail.Send":
      return "send mail as you";
    case "ChannelMessage.Send":
      return "post Teams channel messages";
  }
}

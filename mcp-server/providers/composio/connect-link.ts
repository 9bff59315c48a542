import { getConfig, type ComposioSettings } from "@/lib/config";
import type { Principal } from "@/lib/identity/principal";
import { ToolError } from "@/mcp-server/catalog/types";
import { signLinkToken, verifyLinkToken } from "@/mcp-server/connections/connect-token";
import { withComposioSession } from "./sessions";

/**
 * Connecting a toolkit through Composio. The chat only opens links to this app's own connect
 * pages (components/chat/blocks/ConnectCard.tsx), so `auth_required` carries
 * `${APP_URL}/connect/composio#token=…&toolkit=…`, never Composio's URL. The token is signed like
 * the other connect links (same key, its own audience), names the user (`sub` = oid) and the
 * toolkit, and expires after CONNECT_TOKEN_TTL_SECONDS. The page posts it to
 * `POST /api/composio/connect-link`, which asks Composio — for that user only — for a Connect Link
 * (`session.authorize(toolkit)`) and sends the popup there; Composio returns the user to
 * `/connect/composio/done`, which tells the opener.
 */
const AUDIENCE = "composio-connect";

export interface ComposioConnectClaims {
  userId: string;
  username: string;
  toolkit: string;
}

export async function createComposioConnectToken(
  claims: ComposioConnectClaims,
  now = new Date(),
): Promise<string> {
  const { userId, toolkit, username } = claims;
  return signLinkToken(AUDIENCE, userId, { toolkit, username }, now);
}

/** Signature, audience (not a provider-connect token), expiry; undefined otherwise. */
export async function verifyComposioConnectToken(
  token: string,
): Promise<ComposioConnectClaims | undefined> {
  const payload = await verifyLinkToken(token, AUDIENCE);
  if (!payload || typeof payload.toolkit !== "string") return undefined;
  return {
    userId: payload.sub,
    toolkit: payload.toolkit,
    username: String(payload.username ?? ""),
  };
}

export async function composioConnectUrl(principal: Principal, toolkit: string): Promise<string> {
  const token = await createComposioConnectToken({
    userId: principal.userId,
    username: principal.username,
    toolkit,
  });
  const fragment = new URLSearchParams({ token, toolkit });
  return `${getConfig().appUrl}/connect/composio#${fragment}`;
}

/** Where Composio sends the user back (it appends `status=success|failed`, `connected_account_id`). */
export function composioCallbackUrl(toolkit: string): string {
  return `${getConfig().appUrl}/connect/composio/done?${new URLSearchParams({ toolkit })}`;
}

/**
 * Composio's Connect Link for `userId` and `toolkit`:
 * `POST /api/v3.1/tool_router/session/{id}/link { toolkit, callback_url }` on the user's session.
 * Only an https link is handed to the browser.
 */
export async function composioAuthorizeUrl(
  settings: ComposioSettings,
  userId: string,
  toolkit: string,
  signal: AbortSignal,
): Promise<string> {
  const request = await withComposioSession(userId, settings, signal, (session) =>
    session.authorize(toolkit, { callbackUrl: composioCallbackUrl(toolkit) }, { signal }),
  );
  const url = request.redirectUrl;
  let ok = false;
  try {
    ok = !!url && new URL(url).protocol === "https:";
  } catch {
    ok = false;
  }
  if (!ok)
    throw new ToolError("provider_error", "Composio did not return an https connect link.", {
      retriable: false,
      provider: "composio",
    });
  return url!;
}

/** `auth_required` for a toolkit the user has not connected at Composio. */
export async function composioAuthRequired(
  principal: Principal,
  toolkit: string,
  toolkitName: string,
): Promise<ToolError> {
  return new ToolError(
    "auth_required",
    `Connect your ${toolkitName} account (through Composio) to use this tool, then try again.`,
    {
      connectUrl: await composioConnectUrl(principal, toolkit),
      provider: "composio",
      retriable: true,
    },
  );
}

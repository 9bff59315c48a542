import { getConfig } from "@/lib/config";
import type { Db } from "@/lib/db/client";
import { appOrigins } from "@/lib/identity/local-idp/redirect";
import { localIssuer } from "@/lib/identity/local-idp/tokens";
import { logger } from "@/lib/log";
import { redeemCode, TokenEndpointError } from "./oauth";
import { finishConsentRequest, getConnection, putGrant, takeConsentRequestByState } from "./store";

/** The message the callback page posts to the app window that opened the consent popup. */
export const CONSENT_MESSAGE_TYPE = "foundry-agent-chat:consent";

/**
 * `GET /local-foundry/connections/callback`: the authorization server sends the browser here with
 * `code` (Allow) or `error=access_denied` (Deny) and the `state` of one consent request. No bearer
 * token: `state` (random, single use, 30 minutes) names the request, which is bound to the user
 * and the connection. The code is redeemed with the client secret and the PKCE verifier, and the
 * user's tokens are stored sealed. Deny or any failure records the request as declined/failed, so
 * the continuation explains it instead of asking again.
 */
export async function handleConsentCallback(db: Db, req: Request): Promise<Response> {
  const url = new URL(req.url);
  const state = url.searchParams.get("state");
  const request = state ? await takeConsentRequestByState(db, state) : undefined;
  if (!request)
    return page(
      400,
      "denied",
      "This consent answer is unknown, has expired or was already used. Go back to the chat and send your message again.",
    );
  const error = url.searchParams.get("error");
  if (error) {
    const denied = error === "access_denied";
    await finishConsentRequest(db, request.id, denied ? "denied" : "failed", error.slice(0, 100));
    return page(200, "denied", denied ? "Access was not granted." : "Connecting failed.");
  }
  const connection = await getConnection(db, request.connectionName);
  const code = url.searchParams.get("code");
  const iss = url.searchParams.get("iss");
  if (
    !connection ||
    connection.kind !== "oauth_passthrough" ||
    !code ||
    (iss !== null && iss !== localIssuer())
  ) {
    await finishConsentRequest(db, request.id, "failed", "invalid_callback");
    return page(400, "denied", "Connecting failed: the answer was not valid.");
  }
  try {
    const tokens = await redeemCode(connection.config, code, request.codeVerifier);
    await putGrant(db, {
      connectionName: connection.name,
      userId: request.userId,
      scopes: tokens.scope,
      tokens: { access_token: tokens.access_token, refresh_token: tokens.refresh_token },
      expiresIn: tokens.expires_in,
    });
    await finishConsentRequest(db, request.id, "allowed");
    return page(200, "allowed", "Access granted.");
  } catch (err) {
    const reason = err instanceof TokenEndpointError ? err.error : "token_request_failed";
    logger().warn({ reason, connection: connection.name }, "consent code could not be redeemed");
    await finishConsentRequest(db, request.id, "failed", reason.slice(0, 100));
    return page(502, "denied", "Connecting failed: the code could not be redeemed.");
  }
}

const escape = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );

/**
 * "You can close this window." Tells the opener (on any of the app's origins; postMessage drops
 * messages for an origin the opener is not on) and closes itself after a moment. The app's CSP
 * allows inline scripts (next.config.mjs); without script the page still says what to do.
 */
function page(status: number, outcome: "allowed" | "denied", summary: string): Response {
  const origins = JSON.stringify(appOrigins(getConfig().appUrl)).replace(/</g, "\\u003c");
  const message = JSON.stringify({ type: CONSENT_MESSAGE_TYPE, status: outcome });
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>${escape(summary)} · Foundry Agent Chat</title></head>
<body><main><h1>${escape(summary)}</h1><p role="status">You can close this window.</p></main>
<script>
(function () {
  var message = ${message};
  var origins = ${origins};
  try { for (var i = 0; i < origins.length; i++) if (window.opener) window.opener.postMessage(message, origins[i]); } catch (e) {}
  setTimeout(function () { window.close(); }, 1200);
})();
</script></body></html>`;
  return new Response(html, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      // The URL held a code: never send it on.
      "referrer-policy": "no-referrer",
    },
  });
}

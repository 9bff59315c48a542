import { z } from "zod";
import { getConfig } from "@/lib/config";
import { AppError } from "@/lib/errors";
import { readJson } from "@/lib/http/body";
import { json } from "@/lib/http/route";
import { authenticate, bearerToken } from "@/lib/identity/authenticate";
import { bearerChallenge } from "@/lib/identity/challenge";
import { ToolError } from "@/mcp-server/catalog/types";
import { assertSameOrigin } from "@/mcp-server/connections/handlers";
import { composioAuthorizeUrl, verifyComposioConnectToken } from "./connect-link";

/** How long the link request may take (Composio's link call, a session first if needed). */
const LINK_TIMEOUT_MS = 15_000;

const body = z.object({ token: z.string().min(1).max(4096) });

function expired(): AppError {
  return new AppError(
    "unauthenticated",
    "This connect link has expired or is not valid. Start again from the chat.",
    { headers: { "www-authenticate": bearerChallenge({ error: "invalid_token" }) } },
  );
}

/**
 * POST /api/composio/connect-link `{ token }` → `{ url, toolkit, username }`: Composio's Connect
 * Link for the user and toolkit the signed token names — nobody else's. Its credential is the
 * token (the popup has no bearer), checked before anything else; a bearer sent as well must be
 * the same user (403 otherwise). JSON only and same-origin, like the other connect routes.
 */
export async function postComposioConnectLink(req: Request): Promise<Response> {
  // A body that cannot carry a token (not JSON, no token) is a request without a credential.
  const { token } = await readJson(req, body).catch((err: unknown) => {
    if (err instanceof AppError && err.status >= 500) throw err;
    throw new AppError("unauthenticated", "Open the connect link from the chat.", {
      headers: { "www-authenticate": bearerChallenge() },
    });
  });
  const claims = await verifyComposioConnectToken(token);
  if (!claims) throw expired();
  if (bearerToken(req.headers.get("authorization")) !== undefined) {
    const principal = await authenticate(req);
    if (principal.userId !== claims.userId)
      throw new AppError("forbidden", "This connect link belongs to another user.");
  }
  assertSameOrigin(req);
  const settings = getConfig().providers.composio;
  if (!settings || !settings.toolkits.includes(claims.toolkit))
    throw new AppError("not_found", "This toolkit cannot be connected here.");
  let url: string;
  try {
    url = await composioAuthorizeUrl(
      settings,
      claims.userId,
      claims.toolkit,
      AbortSignal.timeout(LINK_TIMEOUT_MS),
    );
  } catch (err) {
    throw linkError(err);
  }
  return json({ url, toolkit: claims.toolkit, username: claims.username || claims.userId });
}

function linkError(err: unknown): AppError {
  if (err instanceof ToolError && err.code === "rate_limited")
    return new AppError("rate_limited", "Composio is busy; try again shortly.", {
      headers: { "retry-after": String(err.details.retryAfterSeconds ?? 30) },
    });
  const reason = err instanceof ToolError ? err.message : "Composio did not answer.";
  return new AppError("upstream_error", `Could not get a connect link: ${reason}`);
}

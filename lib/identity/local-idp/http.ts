import { getConfig } from "@/lib/config";
import { AppError } from "@/lib/errors";
import { json, route } from "@/lib/http/route";
import { completeConsent, completeSignIn } from "./authorize";
import { openIdConfiguration } from "./discovery";
import { handleRevocation, handleTokenRequest, OAuthError } from "./grants";
import { getLocalJwks } from "./keys";
import { isAppOrigin } from "./redirect";
import { signInErrorPage } from "./error-page";

/** The local IdP exists only in embedded mode; with Entra configured its URLs are simply absent. */
export function requireLocalIdp(): void {
  if (getConfig().identity.mode !== "local") throw new AppError("not_found", "Not found.");
}

function requireTenant(tenant: string): void {
  if (tenant !== getConfig().identity.tenantId) throw new AppError("not_found", "Unknown tenant.");
}

// Public metadata: any origin may read it, as with Entra's.
const PUBLIC = { "access-control-allow-origin": "*", "cache-control": "public, max-age=300" };

export const discoveryHandler = route(async () => {
  requireLocalIdp();
  return json(openIdConfiguration(), 200, PUBLIC);
});

export const tenantDiscoveryHandler = route<{ tenant: string }>(async ({ params }) => {
  requireLocalIdp();
  requireTenant(params.tenant);
  return json(openIdConfiguration(), 200, PUBLIC);
});

export const jwksHandler = route(async () => {
  requireLocalIdp();
  return json(await getLocalJwks(), 200, PUBLIC);
});

export const tenantJwksHandler = route<{ tenant: string }>(async ({ params }) => {
  requireLocalIdp();
  requireTenant(params.tenant);
  return json(await getLocalJwks(), 200, PUBLIC);
});

const MAX_FORM_BYTES = 8 * 1024;

/** Token endpoint: OAuth error JSON (RFC 6749 §5.2) for anything wrong with the request. */
export const tokenHandler = route(async ({ req }) => {
  requireLocalIdp();
  const cors = corsFor(req);
  try {
    const form = await readForm(req);
    const body = await handleTokenRequest(form, req.headers.get("authorization"));
    return json(body, 200, { pragma: "no-cache", ...cors });
  } catch (err) {
    if (!(err instanceof OAuthError)) throw err;
    return json({ error: err.error, error_description: err.description }, 400, {
      pragma: "no-cache",
      ...cors,
    });
  }
});

export const tokenPreflightHandler = route(async ({ req }) => {
  requireLocalIdp();
  return new Response(null, {
    status: 204,
    headers: {
      ...corsFor(req),
      "access-control-allow-methods": "POST",
      "access-control-allow-headers": "content-type, accept",
      "access-control-max-age": "600",
    },
  });
});

/**
 * The sign-in form posts here. CSRF: the one-time form token binds the post to a page this server
 * rendered, and browsers' Origin / Sec-Fetch-Site must say the post came from this app.
 */
export const signInHandler = route(async ({ req }) => {
  requireLocalIdp();
  if (!isSameOriginPost(req))
    return signInErrorPage("This sign-in was not sent from the sign-in page.", 403);
  let form: URLSearchParams;
  try {
    form = await readForm(req);
  } catch (err) {
    if (err instanceof OAuthError) return signInErrorPage(err.description, 400);
    throw err;
  }
  const result = completeSignIn(form.get("form_token") ?? "", form.get("username") ?? "");
  if (!result.ok) return signInErrorPage(result.description, 400);
  return new Response(null, {
    status: 303,
    headers: { location: result.redirectTo, "cache-control": "no-store" },
  });
});

/**
 * The consent form posts here (`decision=allow|deny`). Same CSRF rules as the sign-in form; the
 * user is the form's `login_hint`, fixed when the page was rendered.
 */
export const consentHandler = route(async ({ req }) => {
  requireLocalIdp();
  if (!isSameOriginPost(req))
    return signInErrorPage("This answer was not sent from the consent page.", 403);
  let form: URLSearchParams;
  try {
    form = await readForm(req);
  } catch (err) {
    if (err instanceof OAuthError) return signInErrorPage(err.description, 400);
    throw err;
  }
  const result = completeConsent(form.get("form_token") ?? "", form.get("decision") ?? "");
  if (!result.ok) return signInErrorPage(result.description, 400);
  return new Response(null, {
    status: 303,
    headers: { location: result.redirectTo, "cache-control": "no-store" },
  });
});

/** RFC 7009 token revocation (refresh tokens); 200 for unknown tokens as the RFC says. */
export const revokeHandler = route(async ({ req }) => {
  requireLocalIdp();
  try {
    await handleRevocation(await readForm(req), req.headers.get("authorization"));
    return new Response(null, { status: 200, headers: { "cache-control": "no-store" } });
  } catch (err) {
    if (!(err instanceof OAuthError)) throw err;
    return json(
      { error: err.error, error_description: err.description },
      err.error === "invalid_client" ? 401 : 400,
      {
        pragma: "no-cache",
      },
    );
  }
});

function isSameOriginPost(req: Request): boolean {
  const site = req.headers.get("sec-fetch-site");
  if (site && site !== "same-origin") return false;
  const origin = req.headers.get("origin");
  if (!origin) return true;
  return origin === new URL(req.url).origin || isAppOrigin(origin, getConfig().appUrl);
}

function corsFor(req: Request): Record<string, string> {
  const origin = req.headers.get("origin");
  if (!origin || !isAppOrigin(origin, getConfig().appUrl)) return {};
  return { "access-control-allow-origin": origin, vary: "origin" };
}

async function readForm(req: Request): Promise<URLSearchParams> {
  const type = req.headers.get("content-type") ?? "";
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) {
    throw new OAuthError(
      "invalid_request",
      "Send the request as application/x-www-form-urlencoded.",
    );
  }
  const tooLarge = new OAuthError("invalid_request", "The request is too large.");
  if (Number(req.headers.get("content-length") ?? "0") > MAX_FORM_BYTES) throw tooLarge;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body?.getReader();
  for (;;) {
    const next = await reader?.read();
    if (!next || next.done) break;
    size += next.value.byteLength;
    if (size > MAX_FORM_BYTES) {
      await reader?.cancel().catch(() => undefined);
      throw tooLarge;
    }
    chunks.push(next.value);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

import { z } from "zod";
import { AppError } from "@/lib/errors";
import { logger } from "@/lib/log";
import { connectResultPage } from "@/lib/connections/result-page";
import { ConnectFailure } from "@/mcp-server/providers/gmail/oauth";
import { bindingCookie, bindingCookieName, cookieValue, externalConnect } from "./external";
import { parseProvider } from "./handlers";
import { connectableProviderInfo } from "./providers";

/** What a provider may put on the redirect back (RFC 6749 §4.1.2): printable ASCII, bounded. */
const printable = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[\x20-\x7e]*$/);
const callbackQuery = z.object({
  state: printable(512).optional(),
  code: printable(4096).optional(),
  error: printable(200).optional(),
});

/**
 * GET /api/connections/:provider/callback?code=…&state=… — where the provider sends the popup
 * after its consent screen. Public (the popup has no bearer token): the single-use `state`, the
 * browser-binding cookie and PKCE are the credentials. Answers with the result page, which tells
 * the opener on success; the binding cookie is cleared whatever happens.
 */
export async function oauthCallback(req: Request, params: unknown): Promise<Response> {
  const provider = parseProvider(params);
  const external = externalConnect(provider);
  if (!external) throw new AppError("not_found", "No such provider.");
  const displayName = connectableProviderInfo[provider].displayName;
  const page = (ok: boolean, status: number, message: string) =>
    connectResultPage({
      provider,
      displayName,
      ok,
      status,
      message,
      headers: { "set-cookie": bindingCookie(provider, "", 0) },
    });

  const url = new URL(req.url);
  const parsed = callbackQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success || !parsed.data.state)
    return page(false, 400, "This sign-in link is incomplete. Start again from the chat.");
  const { state, code, error } = parsed.data;
  if (error) {
    // access_denied: the user chose Cancel on the provider's screen.
    await external.abandon(state);
    return page(
      false,
      error === "access_denied" ? 200 : 400,
      error === "access_denied"
        ? `You did not allow access, so ${displayName} was not connected. You can close this window.`
        : `${external.authority} did not complete the sign-in (${error}). Start again from the chat.`,
    );
  }
  if (!code) return page(false, 400, "This sign-in link is incomplete. Start again from the chat.");

  try {
    const done = await external.complete({
      state,
      code,
      binding: cookieValue(req, bindingCookieName(provider)),
    });
    return page(true, 200, `Connected as ${done.accountLabel}. You can close this window.`);
  } catch (err) {
    if (err instanceof ConnectFailure) return page(false, err.status, err.message);
    // Google's errors are mapped (never thrown raw) in oauth.ts; what remains is ours (the
    // database), which the log serializer cleans.
    logger().error({ err, provider }, "connecting a provider failed");
    return page(false, 500, "Something went wrong while connecting. Try again shortly.");
  }
}

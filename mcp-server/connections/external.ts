import { getConfig } from "@/lib/config";
import {
  abandonAuthorization,
  completeAuthorization,
  disconnectGmail,
  startAuthorization,
  AUTHORIZATION_TTL_MS,
} from "@/mcp-server/providers/gmail/oauth";
import type { ConnectableProvider } from "@/mcp-server/providers/types";

/**
 * Providers whose connection is made at the provider (a real OAuth consent) rather than recorded
 * here: in live mode, Gmail. The consent page then sends the user to the provider, whose callback
 * (`/api/connections/<provider>/callback`) records the connection; disconnecting also revokes the
 * grant there.
 */
export interface ExternalConnect {
  /** Who the user is sent to, for the consent page ("Continue to Google"). */
  authority: string;
  begin(user: { userId: string; username: string }): Promise<{
    authorizationUrl: string;
    binding: string;
  }>;
  complete(args: {
    state: string;
    code: string;
    binding: string | undefined;
  }): Promise<{ userId: string; accountLabel: string }>;
  /** The provider reported an error (e.g. the user cancelled): spend the state. */
  abandon(state: string): Promise<void>;
  disconnect(userId: string): Promise<void>;
  /** How long `binding` must be kept (the cookie's Max-Age). */
  bindingTtlMs: number;
}

const gmail: ExternalConnect = {
  authority: "Google",
  begin: startAuthorization,
  complete: completeAuthorization,
  abandon: abandonAuthorization,
  disconnect: disconnectGmail,
  bindingTtlMs: AUTHORIZATION_TTL_MS,
};

export function externalConnect(provider: ConnectableProvider): ExternalConnect | undefined {
  if (provider === "gmail" && getConfig().providers.gmail.mode === "live") return gmail;
  return undefined;
}

/**
 * The browser-binding cookie of a started authorization: HttpOnly, SameSite=Lax (sent on Google's
 * top-level redirect back to the callback, never on cross-site subrequests), scoped to the
 * callback path, Secure (and `__Secure-`) on https.
 */
export function bindingCookieName(provider: string): string {
  const secure = getConfig().appUrl.startsWith("https:");
  return `${secure ? "__Secure-" : ""}fac-oauth-${provider}`;
}

export function bindingCookie(provider: string, value: string, maxAgeMs: number): string {
  const secure = getConfig().appUrl.startsWith("https:");
  return [
    `${bindingCookieName(provider)}=${value}`,
    `Path=/api/connections/${provider}/callback`,
    `Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}`,
    "HttpOnly",
    "SameSite=Lax",
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

export function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

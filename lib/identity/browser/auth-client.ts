/** The signed-in person, as the UI shows them. */
export interface Account {
  username: string;
  name: string;
  roles: string[];
}

export interface SignInOptions {
  /** Same-origin path to come back to after sign-in; defaults to the current page. */
  returnTo?: string;
}

/**
 * One browser sign-in interface with two implementations: MSAL for Entra ID, and an
 * oauth4webapi client for the local IdP (MSAL refuses non-https authorities).
 */
export interface AuthClient {
  /** Restores the session, completing a redirect sign-in when the page is the callback. */
  init(): Promise<Account | null>;
  /** Starts a redirect sign-in; the page navigates away. */
  signIn(options?: SignInOptions): Promise<void>;
  signOut(): Promise<void>;
  /** A current access token for this app's API; throws SignInRequiredError when there is none. */
  getAccessToken(): Promise<string>;
  /** After init() completed a sign-in here: where the user was. Implementations that navigate back themselves omit it. */
  takeReturnTo?(): string | undefined;
  /** Another tab of this origin signed in or out: `listener` gets who is signed in now. Returns an unsubscribe. */
  onSessionChange?(listener: (account: Account | null) => void): () => void;
}

export const AUTH_CALLBACK_PATH = "/auth/callback";

export class SignInRequiredError extends Error {
  constructor(message = "Your session has ended. Sign in again.") {
    super(message);
    this.name = "SignInRequiredError";
  }
}

/** Only same-origin paths; anything else (absolute URLs, `//host`, the callback itself) becomes `/`. */
export function safeReturnTo(value: string | null | undefined): string {
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\"))
    return "/";
  if (/[\u0000-\u001f\u007f]/.test(value)) return "/";
  const path = value.split(/[?#]/)[0];
  return path === AUTH_CALLBACK_PATH ? "/" : value;
}

/** The current page as a return-to path. */
export function currentPath(href: string): string {
  const u = new URL(href);
  return safeReturnTo(`${u.pathname}${u.search}${u.hash}`);
}

/** Reads a JWT's claims for display only; the server is what verifies tokens. */
export function decodeJwtClaims(token: string): Record<string, unknown> | undefined {
  const part = token.split(".")[1];
  if (!part) return undefined;
  try {
    const b64 = part
      .replace(/-/g, "+")
      .replace(/_/g, "/")
      .padEnd(Math.ceil(part.length / 4) * 4, "=");
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === "object" ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function accountFromClaims(
  claims: Record<string, unknown>,
  rolesFrom: Record<string, unknown> = claims,
): Account {
  const str = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v : undefined);
  const username =
    str(claims.preferred_username) ??
    str(claims.upn) ??
    str(claims.email) ??
    str(claims.sub) ??
    "unknown";
  const roles = Array.isArray(rolesFrom.roles)
    ? rolesFrom.roles.filter((r): r is string => typeof r === "string")
    : [];
  return { username, name: str(claims.name) ?? username, roles };
}

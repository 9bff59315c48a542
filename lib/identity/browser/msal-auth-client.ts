import {
  InteractionRequiredAuthError,
  PublicClientApplication,
  type AccountInfo,
  type AuthenticationResult,
} from "@azure/msal-browser";
import type { PublicAuthConfig } from "./auth-config";
import {
  AUTH_CALLBACK_PATH,
  accountFromClaims,
  currentPath,
  decodeJwtClaims,
  SignInRequiredError,
  type Account,
  type AuthClient,
  type SignInOptions,
} from "./auth-client";

/**
 * Entra ID through MSAL. MSAL keeps its own cache in localStorage (encrypted, its key in a session
 * cookie; shared by the tabs of this origin, see docs/IDENTITY.md) and, after the redirect to
 * /auth/callback, navigates back to the page that started the sign-in (`redirectStartPage`).
 */
export class MsalAuthClient implements AuthClient {
  readonly instance: PublicClientApplication;

  constructor(
    private readonly config: PublicAuthConfig,
    origin: string = window.location.origin,
  ) {
    this.instance = new PublicClientApplication({
      auth: {
        clientId: config.clientId,
        authority: config.authority,
        redirectUri: `${origin}${AUTH_CALLBACK_PATH}`,
        postLogoutRedirectUri: `${origin}/`,
      },
      cache: { cacheLocation: "localStorage" },
    });
  }

  async init(): Promise<Account | null> {
    await this.instance.initialize();
    const result = await this.instance.handleRedirectPromise();
    if (result?.account) this.instance.setActiveAccount(result.account);
    const account = this.account();
    if (!account) return null;
    this.instance.setActiveAccount(account);
    // App roles of the API registration are in the access token, not in the ID token.
    const token =
      result?.accessToken || (await this.silent(account).catch(() => undefined))?.accessToken;
    return toAccount(account, token);
  }

  async signIn(options: SignInOptions = {}): Promise<void> {
    const returnTo = options.returnTo ?? currentPath(window.location.href);
    await this.instance.loginRedirect({
      scopes: this.config.scopes,
      redirectStartPage: new URL(returnTo, window.location.origin).toString(),
    });
  }

  async signOut(): Promise<void> {
    await this.instance.logoutRedirect({ account: this.account() ?? undefined });
  }

  async getAccessToken(): Promise<string> {
    const account = this.account();
    if (!account) throw new SignInRequiredError();
    try {
      return (await this.silent(account)).accessToken;
    } catch (err) {
      if (!(err instanceof InteractionRequiredAuthError)) throw err;
      // Consent or MFA needed: the page navigates to Entra and comes back.
      await this.instance.acquireTokenRedirect({
        scopes: [this.config.apiScope],
        account,
        redirectStartPage: window.location.href,
      });
      throw new SignInRequiredError("Redirecting to Microsoft to renew your sign-in.");
    }
  }

  onSessionChange(listener: (account: Account | null) => void): () => void {
    // MSAL syncs its in-memory cache between tabs asynchronously; look once that has settled.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const check = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const account = this.account();
        listener(account ? toAccount(account) : null);
      }, 300);
    };
    const handler = (e: StorageEvent) => {
      if (e.storageArea === window.localStorage) check();
    };
    window.addEventListener("storage", handler);
    return () => {
      clearTimeout(timer);
      window.removeEventListener("storage", handler);
    };
  }

  private account(): AccountInfo | null {
    return this.instance.getActiveAccount() ?? this.instance.getAllAccounts()[0] ?? null;
  }

  private silent(account: AccountInfo): Promise<AuthenticationResult> {
    return this.instance.acquireTokenSilent({ scopes: [this.config.apiScope], account });
  }
}

function toAccount(account: AccountInfo, accessToken?: string): Account {
  const idClaims = (account.idTokenClaims ?? {}) as Record<string, unknown>;
  const base = accountFromClaims({
    preferred_username: account.username,
    name: account.name,
    ...idClaims,
  });
  const roles = accessToken
    ? accountFromClaims({}, decodeJwtClaims(accessToken) ?? {}).roles
    : base.roles;
  return { ...base, roles };
}

import * as oauth from "oauth4webapi";
import { z } from "zod";
import type { PublicAuthConfig } from "./auth-config";
import {
  AUTH_CALLBACK_PATH,
  accountFromClaims,
  currentPath,
  decodeJwtClaims,
  safeReturnTo,
  SignInRequiredError,
  type Account,
  type AuthClient,
  type SignInOptions,
} from "./auth-client";

type KeyValueStore = Pick<Storage, "getItem" | "setItem" | "removeItem">;

/** What the browser environment provides; injectable so the flow can run in tests. */
export interface BrowserEnv {
  /** The session, shared by every tab of this origin (localStorage). */
  storage: KeyValueStore;
  /** A sign-in in progress, private to the tab that started it (sessionStorage); defaults to `storage`. */
  flowStorage?: KeyValueStore;
  /** Runs `task` while no other tab holds `name` (Web Locks); absent: runs it at once. */
  withLock?<T>(name: string, task: () => Promise<T>): Promise<T>;
  /** Calls `listener` with the key another tab changed in `storage` (null: cleared). */
  onStorageChange?(listener: (key: string | null) => void): () => void;
  /** Full-page navigation to the IdP. */
  navigate(url: string): void;
  currentUrl(): string;
  fetch: typeof fetch;
  now(): number;
}

const SESSION_KEY = "fac.auth.local.session";
const REFRESH_LOCK = "fac.auth.local.refresh";
const PENDING_KEY = "fac.auth.local.pending";
/** Refresh this long before expiry so a request never leaves with a token about to lapse. */
const REFRESH_MARGIN_MS = 2 * 60_000;

const sessionSchema = z.object({
  accessToken: z.string(),
  expiresAt: z.number(),
  refreshToken: z.string().optional(),
  account: z.object({ username: z.string(), name: z.string(), roles: z.array(z.string()) }),
});
type Session = z.infer<typeof sessionSchema>;

const pendingSchema = z.object({
  state: z.string(),
  nonce: z.string(),
  verifier: z.string(),
  redirectUri: z.string(),
  returnTo: z.string(),
});

const metadataSchema = z.object({
  issuer: z.string(),
  authorization_endpoint: z.string(),
  token_endpoint: z.string(),
  jwks_uri: z.string().optional(),
});

function browserEnv(): BrowserEnv {
  const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
  return {
    storage: window.localStorage,
    flowStorage: window.sessionStorage,
    // Web Locks exist in secure contexts (https, localhost, 127.0.0.1).
    withLock: locks ? (name, task) => locks.request(name, task) : undefined,
    onStorageChange: (listener) => {
      const handler = (e: StorageEvent) => {
        if (e.storageArea === window.localStorage) listener(e.key);
      };
      window.addEventListener("storage", handler);
      return () => window.removeEventListener("storage", handler);
    },
    navigate: (url) => window.location.assign(url),
    currentUrl: () => window.location.href,
    fetch: (...args) => fetch(...args),
    now: () => Date.now(),
  };
}

/**
 * Authorization code + PKCE against the embedded IdP with oauth4webapi. The session (tokens) lives
 * in localStorage, shared by the tabs of this origin, so a link opened in a new tab is signed in
 * and signing out anywhere signs out everywhere (docs/IDENTITY.md weighs this). A sign-in in
 * progress stays in its own tab's sessionStorage. Refresh tokens rotate on every use and a replay
 * revokes the sign-in, so tabs refresh one at a time and reuse what another tab just refreshed.
 */
export class LocalAuthClient implements AuthClient {
  private readonly env: BrowserEnv;
  private readonly client: oauth.Client;
  private metadata?: Promise<oauth.AuthorizationServer>;
  private refreshing?: Promise<Session>;
  private returnTo?: string;

  constructor(
    private readonly config: PublicAuthConfig,
    env?: Partial<BrowserEnv>,
  ) {
    this.env = { ...(typeof window === "undefined" ? {} : browserEnv()), ...env } as BrowserEnv;
    this.client = { client_id: config.clientId };
  }

  private get flow(): KeyValueStore {
    return this.env.flowStorage ?? this.env.storage;
  }

  /** Another tab signed in, refreshed or signed out: `listener` gets who is signed in now. */
  onSessionChange(listener: (account: Account | null) => void): () => void {
    return (
      this.env.onStorageChange?.((key) => {
        if (key === null || key === SESSION_KEY) listener(this.load()?.account ?? null);
      }) ?? (() => {})
    );
  }

  async init(): Promise<Account | null> {
    const url = new URL(this.env.currentUrl());
    const session = this.load();
    if (
      url.pathname === AUTH_CALLBACK_PATH &&
      (url.searchParams.has("code") || url.searchParams.has("error"))
    ) {
      if (this.flow.getItem(PENDING_KEY) || !session)
        return (await this.completeSignIn(url)).account;
      // Back-button or reload onto a callback that was already completed: keep the session.
      this.returnTo = "/";
    }
    if (!session) return null;
    if (!this.expiresSoon(session)) return session.account;
    try {
      return (await this.refresh(session)).account;
    } catch (err) {
      if (err instanceof SignInRequiredError) return null;
      throw err;
    }
  }

  async signIn(options: SignInOptions = {}): Promise<void> {
    const as = await this.server();
    const verifier = oauth.generateRandomCodeVerifier();
    const pending = {
      state: oauth.generateRandomState(),
      nonce: oauth.generateRandomNonce(),
      verifier,
      redirectUri: `${new URL(this.env.currentUrl()).origin}${AUTH_CALLBACK_PATH}`,
      returnTo: safeReturnTo(options.returnTo ?? currentPath(this.env.currentUrl())),
    };
    this.flow.setItem(PENDING_KEY, JSON.stringify(pending));
    const url = new URL(as.authorization_endpoint as string);
    url.search = new URLSearchParams({
      client_id: this.client.client_id,
      response_type: "code",
      response_mode: "query",
      redirect_uri: pending.redirectUri,
      scope: this.config.scopes.join(" "),
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
    }).toString();
    this.env.navigate(url.toString());
  }

  async signOut(): Promise<void> {
    // The local IdP keeps no browser session, so forgetting the tokens is a complete sign-out.
    this.env.storage.removeItem(SESSION_KEY);
    this.flow.removeItem(PENDING_KEY);
  }

  async getAccessToken(): Promise<string> {
    const session = this.load();
    if (!session) throw new SignInRequiredError();
    if (!this.expiresSoon(session)) return session.accessToken;
    return (await this.refresh(session)).accessToken;
  }

  takeReturnTo(): string | undefined {
    const value = this.returnTo;
    this.returnTo = undefined;
    return value;
  }

  private async completeSignIn(callback: URL): Promise<Session> {
    const pending = this.takePending();
    if (!pending)
      throw new Error("This sign-in link was already used or did not start here. Sign in again.");
    const as = await this.server();
    const params = oauth.validateAuthResponse(as, this.client, callback, pending.state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      this.client,
      oauth.None(),
      params,
      pending.redirectUri,
      pending.verifier,
      this.requestOptions(),
    );
    const result = await oauth.processAuthorizationCodeResponse(as, this.client, response, {
      expectedNonce: pending.nonce,
      requireIdToken: true,
    });
    this.returnTo = safeReturnTo(pending.returnTo);
    return this.save(result);
  }

  private refresh(session: Session): Promise<Session> {
    const run = () => this.refreshStored(session);
    this.refreshing ??= (this.env.withLock ? this.env.withLock(REFRESH_LOCK, run) : run()).finally(
      () => {
        this.refreshing = undefined;
      },
    );
    return this.refreshing;
  }

  /** Refreshes the stored session unless another tab already did (then that one is used). */
  private async refreshStored(seen: Session): Promise<Session> {
    const session = this.load();
    if (!session) return this.expire();
    if (session.accessToken !== seen.accessToken && !this.expiresSoon(session)) return session;
    return this.doRefresh(session);
  }

  private async doRefresh(session: Session): Promise<Session> {
    if (!session.refreshToken) return this.expire();
    const as = await this.server();
    try {
      const response = await oauth.refreshTokenGrantRequest(
        as,
        this.client,
        oauth.None(),
        session.refreshToken,
        this.requestOptions(),
      );
      return this.save(await oauth.processRefreshTokenResponse(as, this.client, response), session);
    } catch (err) {
      if (err instanceof oauth.ResponseBodyError && err.error === "invalid_grant")
        return this.expire();
      throw err;
    }
  }

  private expire(): never {
    this.env.storage.removeItem(SESSION_KEY);
    throw new SignInRequiredError();
  }

  private save(result: oauth.TokenEndpointResponse, previous?: Session): Session {
    const idClaims = oauth.getValidatedIdTokenClaims(result) as Record<string, unknown> | undefined;
    const accessClaims = decodeJwtClaims(result.access_token) ?? {};
    const session: Session = {
      accessToken: result.access_token,
      expiresAt: this.env.now() + (result.expires_in ?? 3600) * 1000,
      refreshToken: result.refresh_token ?? previous?.refreshToken,
      account: idClaims
        ? accountFromClaims(idClaims, accessClaims)
        : (previous?.account ?? accountFromClaims(accessClaims)),
    };
    this.env.storage.setItem(SESSION_KEY, JSON.stringify(session));
    return session;
  }

  private load(): Session | undefined {
    return parseStored(this.env.storage.getItem(SESSION_KEY), sessionSchema);
  }

  private takePending(): z.infer<typeof pendingSchema> | undefined {
    const value = parseStored(this.flow.getItem(PENDING_KEY), pendingSchema);
    this.flow.removeItem(PENDING_KEY);
    return value;
  }

  private expiresSoon(session: Session): boolean {
    return session.expiresAt - this.env.now() < REFRESH_MARGIN_MS;
  }

  /** The provider's metadata, from the discovery document under the configured authority. */
  private server(): Promise<oauth.AuthorizationServer> {
    this.metadata ??= (async () => {
      const res = await this.env.fetch(
        `${this.config.authority}/.well-known/openid-configuration`,
        {
          headers: { accept: "application/json" },
        },
      );
      if (!res.ok)
        throw new Error(`The local identity provider did not answer (HTTP ${res.status}).`);
      return metadataSchema.parse(await res.json()) as oauth.AuthorizationServer;
    })();
    this.metadata.catch(() => {
      this.metadata = undefined;
    });
    return this.metadata;
  }

  private requestOptions(): oauth.TokenEndpointRequestOptions {
    return {
      [oauth.customFetch]: (url, init) => this.env.fetch(url, init as RequestInit),
      // Local development runs on http://localhost; oauth4webapi demands an explicit opt-in.
      [oauth.allowInsecureRequests]: this.config.authority.startsWith("http:"),
    };
  }
}

function parseStored<S extends z.ZodType>(raw: string | null, schema: S): z.infer<S> | undefined {
  if (!raw) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

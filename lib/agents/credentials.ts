import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { DefaultAzureCredential } from "@azure/identity";
import {
  AuthError,
  ConfidentialClientApplication,
  InteractionRequiredAuthError,
  ServerError,
  type AccountInfo,
  type AuthenticationResult,
  type ICachePlugin,
  type TokenCacheContext,
} from "@azure/msal-node";
import { FOUNDRY_SCOPE, getConfig } from "@/lib/config";
import { AppError } from "@/lib/errors";
import type { Principal } from "@/lib/identity/principal";
import { mintLocalAccessTokenForUserId } from "@/lib/identity/local-idp/tokens";
import { logger } from "@/lib/log";
import { SealError } from "@/lib/secrets/seal";
import { deleteSealed, getSealed, putSealed } from "@/lib/secrets/store";

/**
 * The credential the app uses to call the agent service for one user:
 * - local agent service: a local-IdP token for the user (audience "foundry"), so the service
 *   knows who owns each conversation exactly as Foundry does (with Entra sign-in: the user's own
 *   API token, which the in-app service verifies with audience "api");
 * - Foundry, `FOUNDRY_CREDENTIAL=obo` (default): On-Behalf-Of the user (MSAL Node), so Foundry
 *   sees the user and consent stays per user. MSAL's token cache is kept per user, encrypted, in
 *   `sealed_secrets` (`msal-obo:<oid>`), so a run can continue after the user's token expired;
 * - Foundry, `FOUNDRY_CREDENTIAL=default`: DefaultAzureCredential (the app's own identity).
 *
 * When `p.token` is empty or expired (a run continued after an approval, on any replica), this
 * is the same as `credentialForUser(p.userId)`. See docs/IDENTITY.md, "Continuing a run without
 * the user".
 */
export function credentialFor(p: Principal): TokenCredential {
  const cfg = getConfig();
  if (cfg.agents.mode === "local") {
    // With Entra sign-in but no Foundry project, no local token can be minted for the user; the
    // in-app service then accepts the user's own (already verified) API token instead.
    return cfg.identity.mode === "local" ? localCredential(p.userId) : ownTokenCredential(p.token);
  }
  if (cfg.agents.credential === "default") return defaultCredential();
  return onBehalfOfCredential(p.userId, p.token);
}

/**
 * `credentialForUser(userId: string): TokenCredential` — the credential for a continuation that
 * has no live principal (the requester's browser and token are gone): an approver's decision, on
 * any replica, continues the run as the requester `userId` (the `oid`).
 *
 * - local service + local identity: mints a token for `userId`, as always;
 * - local service + Entra identity: there is nothing to send without the user's own token;
 *   `getToken` rejects with 503 `AppError` `reason: "reauth_required"`;
 * - Foundry + `default`: DefaultAzureCredential;
 * - Foundry + `obo`: the user's persisted MSAL cache: a still-valid access token, else its refresh
 *   token is redeemed; nothing usable left → 503 `AppError` `reason: "reauth_required"`.
 *
 * Errors surface from `getToken`, i.e. on the first agent-service call, not here.
 */
export function credentialForUser(userId: string): TokenCredential {
  return credentialFor({
    userId,
    tenantId: getConfig().identity.tenantId,
    username: "",
    name: "",
    roles: [],
    scopes: [],
    kind: "user",
    token: "",
  });
}

/**
 * Called by the RunDriver when a run pauses (approval, consent) while `p.token` is still valid:
 * persists what `credentialForUser(p.userId)` will need later. For On-Behalf-Of it makes sure the
 * user's sealed MSAL cache holds a refresh token (doing an OBO exchange when it does not); for the
 * other modes it does nothing. Rejects with the same `AppError`s as `getToken` (e.g.
 * `consent_required`); a caller may log that and pause anyway: the continuation then reports
 * `reauth_required` if nothing usable was stored.
 */
export async function rememberCredential(p: Principal): Promise<void> {
  const cfg = getConfig();
  if (cfg.agents.mode === "local" || cfg.agents.credential === "default") return;
  if (!assertionUsable(p.token)) return; // nothing new to store; whatever is persisted stays
  const app = oboApp(p.userId);
  // Load the persisted partition (overwrites this process's copy), then check it for a refresh
  // token: if there is one, the cached OBO path suffices; if not, force a fresh exchange, which
  // writes the whole result (access + refresh token) back through the cache plugin.
  await app.getTokenCache().getAllAccounts();
  const persisted = refreshTokenAccounts(app).length > 0;
  try {
    await app.acquireTokenOnBehalfOf({
      oboAssertion: p.token,
      scopes: [FOUNDRY_SCOPE],
      skipCache: !persisted,
    });
  } catch (err) {
    throw oboError(err);
  }
}

/** Drops what is persisted for `userId` (e.g. on sign-out or account removal). */
export async function forgetCredential(userId: string): Promise<void> {
  const apps = holder().msal;
  for (const k of [...apps.keys()]) if (k.endsWith(`|${userId}`)) apps.delete(k);
  await deleteSealed(oboPartitionKey(userId));
}

// ---- local: minted tokens, reused until a minute before they expire ----

const LOCAL_TTL_SECONDS = 600;
const REFRESH_MARGIN_MS = 60_000;

export function localCredential(userId: string, now: () => number = Date.now): TokenCredential {
  return {
    async getToken(): Promise<AccessToken> {
      const cache = localTokens();
      const hit = cache.get(userId);
      if (hit && hit.expiresOnTimestamp - REFRESH_MARGIN_MS > now()) return hit;
      const token = await mintLocalAccessTokenForUserId(userId, {
        audience: "foundry",
        ttlSeconds: LOCAL_TTL_SECONDS,
      });
      const fresh: AccessToken = {
        token,
        expiresOnTimestamp: now() + LOCAL_TTL_SECONDS * 1000,
        tokenType: "Bearer",
      };
      cache.set(userId, fresh);
      return fresh;
    },
  };
}

/**
 * The caller's verified token for this app's API, for the in-app agent service only. Nothing can
 * stand in for it once it is gone or expired: that combination (local service, Entra sign-in)
 * cannot continue a run without the user.
 */
function ownTokenCredential(token: string): TokenCredential {
  return {
    async getToken(): Promise<AccessToken> {
      if (!assertionUsable(token)) {
        throw reauthRequired(
          "Your sign-in has expired: sign in again to continue (the local agent service needs your own token).",
        );
      }
      return {
        token,
        expiresOnTimestamp: jwtExpiry(token) ?? Date.now() + 60_000,
        tokenType: "Bearer",
      };
    },
  };
}

function jwtExpiry(token: string): number | undefined {
  try {
    const payload = jwtPayload(token);
    return typeof payload?.exp === "number" ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function jwtPayload(token: string): Record<string, unknown> | undefined {
  try {
    const payload: unknown = JSON.parse(
      Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"),
    );
    return payload && typeof payload === "object"
      ? (payload as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A token older than this margin before `exp` is not worth presenting (it may expire in flight). */
const ASSERTION_MARGIN_MS = 30_000;

function assertionUsable(token: string): boolean {
  if (!token) return false;
  const exp = jwtExpiry(token);
  return exp === undefined || exp - ASSERTION_MARGIN_MS > Date.now();
}

function reauthRequired(message: string, cause?: unknown): AppError {
  return new AppError("unavailable", message, {
    extensions: { reason: "reauth_required" },
    cause,
  });
}

// ---- Foundry: On-Behalf-Of, with a per-user sealed token cache ----

function scopesOf(scopes: string | string[]): string[] {
  if (Array.isArray(scopes)) return scopes.length > 0 ? scopes : [FOUNDRY_SCOPE];
  return [scopes || FOUNDRY_SCOPE];
}

function toAccessToken(result: AuthenticationResult | null): AccessToken {
  if (!result?.accessToken) throw new Error("MSAL returned no access token.");
  return {
    token: result.accessToken,
    expiresOnTimestamp: result.expiresOn?.getTime() ?? Date.now() + 5 * 60_000,
    tokenType: "Bearer",
  };
}

/**
 * `skipCache`: exchange the assertion again even when MSAL holds a token for it (the API just
 * refused that token, e.g. revoked or issued before a role was granted).
 */
export function onBehalfOfCredential(
  userId: string,
  assertion: string,
  opts: { skipCache?: boolean } = {},
): TokenCredential {
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
      void options;
      const wanted = scopesOf(scopes);
      if (!assertionUsable(assertion)) return fromPersistedCache(userId, wanted);
      const app = oboApp(userId);
      try {
        // MSAL finds a cached result for the same assertion in memory; a network exchange writes
        // its result (access + refresh token) to the user's sealed cache via the plugin.
        return toAccessToken(
          await app.acquireTokenOnBehalfOf({
            oboAssertion: assertion,
            scopes: wanted,
            ...(opts.skipCache ? { skipCache: true } : {}),
          }),
        );
      } catch (err) {
        // Our clock said the assertion was fine but Entra's did not: continue from the cache.
        if (isExpiredAssertion(err)) return fromPersistedCache(userId, wanted);
        throw oboError(err);
      }
    },
  };
}

/**
 * A Foundry token for `userId` from their persisted MSAL cache, without their assertion.
 *
 * `acquireTokenOnBehalfOf` cannot do this: it looks up access tokens by the hash of the incoming
 * assertion and, on a miss, always posts a new OBO exchange (msal-node 7.x,
 * OnBehalfOfClient: "we are not yet supported OBO tokens refreshed with long lived RT").
 * `acquireTokenSilent({ account })` can: it reloads the cache through the plugin, finds the
 * access token by account, client id, tenant and scopes (the OBO token's `userAssertionHash` is
 * not part of that filter), and when that token is missing or within 5 minutes of expiry it
 * redeems the refresh token stored by the OBO response (same home account id and client id) with
 * a `refresh_token` grant, writing the new tokens back. `acquireTokenByRefreshToken` would need
 * the raw refresh token fished out of the cache and is meant for ADAL migration only.
 */
async function fromPersistedCache(userId: string, scopes: string[]): Promise<AccessToken> {
  const app = oboApp(userId);
  let account: AccountInfo | undefined;
  try {
    const accounts = await app.getTokenCache().getAllAccounts(); // loads `msal-obo:<userId>`
    account =
      accounts.find((a) => a.localAccountId === userId || a.idTokenClaims?.oid === userId) ??
      accountFromRefreshToken(app, userId);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError("unavailable", "Could not read the stored sign-in for this user.", {
      cause: err,
    });
  }
  if (!account) {
    throw reauthRequired(
      "The requester's sign-in has expired and nothing is stored to continue: they must sign in again.",
    );
  }
  let result: AuthenticationResult | null;
  try {
    result = await app.acquireTokenSilent({ account, scopes });
  } catch (err) {
    if (
      err instanceof InteractionRequiredAuthError ||
      (err instanceof ServerError && err.errorCode === "invalid_grant")
    ) {
      throw reauthRequired(
        "The requester's stored sign-in can no longer be used: they must sign in again.",
        err,
      );
    }
    throw oboError(err);
  }
  const token = toAccessToken(result);
  // Defence in depth: the partition is per user, and the token must say so too.
  const oid = jwtPayload(token.token)?.oid;
  if (typeof oid === "string" && oid !== userId) {
    throw new AppError("internal", "The stored token belongs to another user.");
  }
  return token;
}

/** OBO responses without an id token leave no account entity: rebuild it from the refresh token. */
function accountFromRefreshToken(
  app: ConfidentialClientApplication,
  userId: string,
): AccountInfo | undefined {
  const found = refreshTokenAccounts(app);
  if (found.length !== 1) return undefined; // none, or ambiguous: refuse
  const { homeAccountId, environment } = found[0]!;
  return {
    homeAccountId,
    environment,
    tenantId: getConfig().identity.tenantId,
    username: "",
    localAccountId: userId,
  };
}

function refreshTokenAccounts(
  app: ConfidentialClientApplication,
): { homeAccountId: string; environment: string }[] {
  const seen = new Map<string, { homeAccountId: string; environment: string }>();
  for (const value of Object.values(app.getTokenCache().getKVStore())) {
    const v = value as { credentialType?: unknown; homeAccountId?: unknown; environment?: unknown };
    if (
      v.credentialType === "RefreshToken" &&
      typeof v.homeAccountId === "string" &&
      typeof v.environment === "string"
    ) {
      seen.set(v.homeAccountId, { homeAccountId: v.homeAccountId, environment: v.environment });
    }
  }
  return [...seen.values()];
}

function isExpiredAssertion(err: unknown): boolean {
  // AADSTS500133: "Assertion is not within its valid time range."
  return err instanceof AuthError && /AADSTS500133/.test(`${err.errorMessage} ${err.message}`);
}

function oboError(err: unknown): Error {
  if (err instanceof AppError) return err;
  if (err instanceof InteractionRequiredAuthError) {
    return new AppError(
      "forbidden",
      "Azure AI Foundry needs your consent (or a fresh sign-in) before this agent can run.",
      {
        extensions: { reason: "consent_required" },
        cause: err,
      },
    );
  }
  return new AppError(
    "upstream_error",
    "Could not get a token for Azure AI Foundry on your behalf.",
    { cause: err },
  );
}

export function oboPartitionKey(userId: string): string {
  return `msal-obo:${userId}`;
}

/**
 * MSAL's cache plugin for one user's partition. MSAL's own `DistributedCachePlugin` picks the
 * partition per call (`IPartitionManager.getKey()` for reads, `extractKey(account)` of the first
 * account for writes) on a shared application, and a read of an empty partition leaves the
 * previous user's tokens in memory. Here each user has their own application object and this
 * plugin is bound to that user's key, so one user's cache is never loaded or written as another's.
 * The stored copy is the source of truth: an absent (or unreadable) row empties memory too.
 */
function oboCachePlugin(userId: string): ICachePlugin {
  const key = oboPartitionKey(userId);
  return {
    async beforeCacheAccess(ctx: TokenCacheContext): Promise<void> {
      let data: string | undefined;
      try {
        data = await getSealed(key);
      } catch (err) {
        if (!(err instanceof SealError)) throw err;
        logger().warn(
          { entry: key, err: err.message },
          "stored token cache cannot be opened; starting empty",
        );
      }
      ctx.tokenCache.deserialize(data ?? EMPTY_CACHE);
    },
    async afterCacheAccess(ctx: TokenCacheContext): Promise<void> {
      if (ctx.cacheHasChanged) await putSealed(key, ctx.tokenCache.serialize());
    },
  };
}

const EMPTY_CACHE = JSON.stringify({
  Account: {},
  IdToken: {},
  AccessToken: {},
  RefreshToken: {},
  AppMetadata: {},
});

/** Per-user applications held in memory (bounded: the oldest are dropped, the store keeps all). */
const MAX_APPS = 500;

function oboApp(userId: string): ConfidentialClientApplication {
  const id = getConfig().identity;
  if (id.mode !== "entra" || !id.apiClientSecret) {
    throw new AppError(
      "unavailable",
      "On-Behalf-Of to Foundry needs Entra ID: set ENTRA_TENANT_ID, ENTRA_API_CLIENT_ID and ENTRA_API_CLIENT_SECRET, or FOUNDRY_CREDENTIAL=default.",
    );
  }
  const authority = `${id.authorityHost}/${id.tenantId}`;
  const key = `${id.apiClientId}|${authority}|${userId}`;
  const apps = holder().msal;
  let app = apps.get(key);
  if (app) {
    apps.delete(key); // most recently used goes last
  } else {
    app = new ConfidentialClientApplication({
      auth: { clientId: id.apiClientId, clientSecret: id.apiClientSecret, authority },
      cache: { cachePlugin: oboCachePlugin(userId) },
    });
    while (apps.size >= MAX_APPS) apps.delete(apps.keys().next().value!);
  }
  apps.set(key, app);
  return app;
}

// ---- Foundry: the app's own identity ----

function defaultCredential(): TokenCredential {
  const h = holder();
  h.default ??= new DefaultAzureCredential();
  return h.default;
}

// Process-wide caches on globalThis: Next may load this module once per route bundle.
const KEY = Symbol.for("foundry-agent-chat.agents.credentials");
type Holder = {
  local: Map<string, AccessToken>;
  msal: Map<string, ConfidentialClientApplication>;
  default?: TokenCredential;
};

function holder(): Holder {
  const g = globalThis as { [KEY]?: Holder };
  g[KEY] ??= { local: new Map(), msal: new Map() };
  return g[KEY];
}

function localTokens(): Map<string, AccessToken> {
  return holder().local;
}

/** Tests switch configuration between cases (and simulate another replica: nothing in memory). */
export function resetCredentialCaches(): void {
  const g = globalThis as { [KEY]?: Holder };
  delete g[KEY];
}

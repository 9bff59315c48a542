import * as oauth from "oauth4webapi";
import { onBehalfOfCredential } from "@/lib/agents/credentials";
import type { Principal } from "@/lib/identity/principal";
import type { BackendAuth } from "@/lib/tool-backends";
import { ToolError } from "@/mcp-server/catalog/types";

/**
 * How our server authenticates to a configured backend (OpenAPI API or upstream MCP server):
 * the headers one request carries. The caller's own token is never among them — an upstream
 * sees our key, our app identity (client credentials), or a token Entra issued for it On-Behalf-Of
 * the user (OBO), never the token the caller sent us.
 */
export interface OutboundAuth {
  /** Headers for a request made for `principal`; `renew` forgets any cached token first. */
  headers(principal: Principal, opts?: { renew?: boolean }): Promise<Record<string, string>>;
}

/** Renew a cached token this long before it expires, so none lapses mid-request. */
const EXPIRY_MARGIN_MS = 60_000;

export function outboundAuth(backendId: string, auth: BackendAuth): OutboundAuth {
  switch (auth.type) {
    case "none":
      return { headers: async () => ({}) };
    case "api_key":
      return { headers: async () => ({ [auth.header]: `${auth.prefix}${auth.secret}` }) };
    case "client_credentials":
      return clientCredentials(backendId, auth);
    case "obo":
      return onBehalfOf(backendId, auth.scope);
  }
}

type Cached = { token: string; expiresAt: number };
const KEY = Symbol.for("foundry-agent-chat.mcp.outbound-tokens");
type Holder = { [KEY]?: Map<string, Promise<Cached>> };
function tokenCache(): Map<string, Promise<Cached>> {
  const g = globalThis as Holder;
  g[KEY] ??= new Map();
  return g[KEY];
}

/** Tests start without cached app tokens. */
export function clearOutboundTokens(): void {
  tokenCache().clear();
}

/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4, `client_secret_post`): one app token per backend
 * and process, shared by concurrent calls, fetched again shortly before it expires.
 */
function clientCredentials(
  backendId: string,
  auth: Extract<BackendAuth, { type: "client_credentials" }>,
): OutboundAuth {
  const as: oauth.AuthorizationServer = {
    issuer: new URL(auth.tokenUrl).origin,
    token_endpoint: auth.tokenUrl,
  };
  const client: oauth.Client = { client_id: auth.clientId };
  const fetchToken = async (): Promise<Cached> => {
    const params = new URLSearchParams(auth.scope ? { scope: auth.scope } : {});
    let result: oauth.TokenEndpointResponse;
    try {
      const res = await oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.ClientSecretPost(auth.secret),
        params,
      );
      result = await oauth.processClientCredentialsResponse(as, client, res);
    } catch (err) {
      throw tokenError(backendId, err);
    }
    const lifetimeMs = (result.expires_in ?? 3600) * 1000;
    return { token: result.access_token, expiresAt: Date.now() + lifetimeMs };
  };
  return {
    async headers(_principal, opts) {
      const cache = tokenCache();
      const key = `${backendId}\u0000${auth.clientId}`;
      const cached = cache.get(key);
      const fresh = cached && !opts?.renew ? await cached.catch(() => undefined) : undefined;
      if (fresh && fresh.expiresAt - EXPIRY_MARGIN_MS > Date.now())
        return { authorization: `Bearer ${fresh.token}` };
      const pending = fetchToken();
      cache.set(key, pending);
      pending.catch(() => cache.delete(key));
      return { authorization: `Bearer ${(await pending).token}` };
    },
  };
}

/** Entra On-Behalf-Of the signed-in user (MSAL Node, the user's sealed cache). */
function onBehalfOf(backendId: string, scope: string): OutboundAuth {
  return {
    async headers(principal, opts) {
      if (principal.kind !== "user")
        throw new ToolError(
          "forbidden",
          `The ${backendId} backend acts for a signed-in user; an application cannot call it.`,
        );
      let token: string | undefined;
      try {
        const credential = onBehalfOfCredential(principal.userId, principal.token, {
          fresh: opts?.renew === true,
        });
        token = (await credential.getToken(scope))?.token;
      } catch (err) {
        throw new ToolError(
          "session_expired",
          `Could not get a token for ${backendId} on your behalf (${safeReason(err)}); sign in again and retry.`,
          { retriable: true, provider: backendId },
        );
      }
      if (!token)
        throw new ToolError("session_expired", `No token for ${backendId}.`, { retriable: true });
      return { authorization: `Bearer ${token}` };
    },
  };
}

function tokenError(backendId: string, err: unknown): ToolError {
  // oauth4webapi's errors carry the endpoint's `error` code; the secret is never in them.
  return new ToolError(
    "provider_error",
    `Could not get an access token for ${backendId} (${safeReason(err)}).`,
    { retriable: !(err instanceof oauth.ResponseBodyError), provider: backendId },
  );
}

function safeReason(err: unknown): string {
  if (err instanceof oauth.ResponseBodyError) return `${err.status} ${err.error}`;
  if (err instanceof Error && "code" in err && typeof err.code === "string") return err.code;
  return "the token service did not answer";
}

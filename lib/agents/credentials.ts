import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { DefaultAzureCredential } from "@azure/identity";
import { ConfidentialClientApplication, InteractionRequiredAuthError } from "@azure/msal-node";
import { FOUNDRY_SCOPE, getConfig } from "@/lib/config";
import { AppError } from "@/lib/errors";
import type { Principal } from "@/lib/identity/principal";
import { mintLocalAccessTokenForUserId } from "@/lib/identity/local-idp/tokens";

/**
 * The credential the app uses to call the agent service for one signed-in user:
 * - local agent service: a local-IdP token for the user (audience "foundry"), so the service
 *   knows who owns each conversation exactly as Foundry does (with Entra sign-in: the user's own
 *   API token, which the in-app service verifies with audience "api");
 * - Foundry, `FOUNDRY_CREDENTIAL=obo` (default): On-Behalf-Of the user (MSAL Node), so Foundry
 *   sees the user and consent stays per user;
 * - Foundry, `FOUNDRY_CREDENTIAL=default`: DefaultAzureCredential (the app's own identity).
 */
export function credentialFor(p: Principal): TokenCredential {
  const cfg = getConfig();
  if (cfg.agents.mode === "local") {
    // With Entra sign-in but no Foundry project, no local token can be minted for the user; the
    // in-app service then accepts the user's own (already verified) API token instead.
    return cfg.identity.mode === "local" ? localCredential(p.userId) : ownTokenCredential(p.token);
  }
  if (cfg.agents.credential === "default") return defaultCredential();
  return onBehalfOfCredential(p.token);
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

/** The caller's verified token for this app's API, for the in-app agent service only. */
function ownTokenCredential(token: string): TokenCredential {
  return {
    async getToken(): Promise<AccessToken> {
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
    const payload = JSON.parse(
      Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"),
    ) as { exp?: unknown };
    return typeof payload.exp === "number" ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

// ---- Foundry: On-Behalf-Of ----

export function onBehalfOfCredential(assertion: string): TokenCredential {
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
      void options;
      const app = msalApp();
      try {
        // MSAL caches the result per assertion (per user); a repeat call costs no round trip.
        const result = await app.acquireTokenOnBehalfOf({
          oboAssertion: assertion,
          scopes:
            Array.isArray(scopes) && scopes.length > 0
              ? scopes
              : [typeof scopes === "string" ? scopes : FOUNDRY_SCOPE],
        });
        if (!result?.accessToken) throw new Error("MSAL returned no access token.");
        return {
          token: result.accessToken,
          expiresOnTimestamp: result.expiresOn?.getTime() ?? Date.now() + 5 * 60_000,
          tokenType: "Bearer",
        };
      } catch (err) {
        throw oboError(err);
      }
    },
  };
}

function oboError(err: unknown): Error {
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

function msalApp(): ConfidentialClientApplication {
  const id = getConfig().identity;
  if (id.mode !== "entra" || !id.apiClientSecret) {
    throw new AppError(
      "unavailable",
      "On-Behalf-Of to Foundry needs Entra ID: set ENTRA_TENANT_ID, ENTRA_API_CLIENT_ID and ENTRA_API_CLIENT_SECRET, or FOUNDRY_CREDENTIAL=default.",
    );
  }
  const authority = `${id.authorityHost}/${id.tenantId}`;
  const key = `${id.apiClientId}|${authority}`;
  const apps = holder().msal;
  let app = apps.get(key);
  if (!app) {
    app = new ConfidentialClientApplication({
      auth: { clientId: id.apiClientId, clientSecret: id.apiClientSecret, authority },
    });
    apps.set(key, app);
  }
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

/** Tests switch configuration between cases. */
export function resetCredentialCaches(): void {
  const g = globalThis as { [KEY]?: Holder };
  delete g[KEY];
}

import { randomBytes, timingSafeEqual } from "node:crypto";
import { getConfig } from "@/lib/config";
import { AUTH_CALLBACK_PATH } from "@/lib/identity/browser/auth-client";
import { getSealed, putSealed } from "@/lib/secrets/store";
import { appOrigins } from "./redirect";

/**
 * Clients registered with the local IdP. Two exist:
 *  - the app's SPA (public client, PKCE, the sign-in page), `ENTRA_SPA_CLIENT_ID` or the local id;
 *  - the local agent service's OAuth identity-passthrough connection (`mcp-oauth`): a confidential
 *    client (client secret + PKCE) with one exact redirect URI, which gets a consent screen.
 */
export const CONNECTION_CLIENT_ID = "5e7c0a13-9d2b-4f6e-8a41-c0a7ec710000";
export const CONNECTION_CLIENT_NAME = "Foundry Agent Chat local agent service";

export type LocalClient =
  | { kind: "spa"; clientId: string; redirectUris: string[] }
  | { kind: "connection"; clientId: string; redirectUris: string[]; name: string };

/**
 * The SPA's registered redirect URIs: `/auth/callback` on the app's origin — and, when that is a
 * loopback address, on its other loopback spellings. A redirect_uri must equal one exactly.
 */
export const spaRedirectUris = () =>
  appOrigins(getConfig().appUrl).map((origin) => `${origin}${AUTH_CALLBACK_PATH}`);

/** The connection client's one redirect URI (the local agent service's consent callback). */
export const connectionRedirectUri = () =>
  `${getConfig().appUrl}/local-foundry/connections/callback`;

/** The scopes the connection client may ask for: our API's delegated scope and offline_access. */
export function connectionScopes(): string[] {
  const { apiAppIdUri, apiScopeName } = getConfig().identity;
  return [`${apiAppIdUri}/${apiScopeName}`, "offline_access"];
}

export function findClient(clientId: string | null | undefined): LocalClient | undefined {
  if (!clientId) return undefined;
  if (clientId === getConfig().identity.spaClientId)
    return { kind: "spa", clientId, redirectUris: spaRedirectUris() };
  if (clientId === CONNECTION_CLIENT_ID)
    return {
      kind: "connection",
      clientId,
      redirectUris: [connectionRedirectUri()],
      name: CONNECTION_CLIENT_NAME,
    };
  return undefined;
}

const SECRET_KEY = `local-idp:client:${CONNECTION_CLIENT_ID}:secret`;

/** The connection client's secret, or undefined before it was created. Never logged. */
export const connectionClientSecret = (): Promise<string | undefined> => getSealed(SECRET_KEY);

/**
 * Creates and stores the connection client's secret (sealed). Call it under a lease that makes
 * one process the creator (lib/local-foundry/connections/seed.ts); returns the stored value.
 */
export async function createConnectionClientSecret(): Promise<string> {
  const secret = randomBytes(32).toString("base64url");
  await putSealed(SECRET_KEY, secret);
  return secret;
}

/** Constant-time check of a presented client secret against the stored one. */
export async function checkConnectionClientSecret(presented: string | null): Promise<boolean> {
  const stored = await connectionClientSecret().catch(() => undefined);
  if (!stored || !presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}

import { getConfig } from "@/lib/config";
import {
  CONNECTION_CLIENT_ID,
  CONNECTION_CLIENT_NAME,
  connectionRedirectUri,
  connectionScopes,
} from "@/lib/identity/local-idp/clients";

/** Names of the seeded project connections (agents reference them as `project_connection_id`). */
export const OAUTH_CONNECTION = "mcp-oauth";
export const KEY_CONNECTION = "mcp-key";

export interface OAuthConnectionConfig {
  clientId: string;
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl: string | null;
  scopes: string[];
  redirectUri: string;
}

export interface KeyConnectionConfig {
  headerName: string;
}

export type ConnectionDefinition =
  | {
      name: string;
      kind: "oauth_passthrough";
      displayName: string;
      target: string;
      config: OAuthConnectionConfig;
    }
  | { name: string; kind: "key"; displayName: string; target: string; config: KeyConnectionConfig };

/**
 * The project connections the local service is provisioned with, from configuration (APP_URL and
 * the identity settings). Foundry keeps connections per project; so do we (one project here).
 */
export function connectionDefinitions(): ConnectionDefinition[] {
  const cfg = getConfig();
  return [
    {
      name: OAUTH_CONNECTION,
      kind: "oauth_passthrough",
      displayName: CONNECTION_CLIENT_NAME,
      target: cfg.mcp.resourceUrl,
      config: {
        clientId: CONNECTION_CLIENT_ID,
        authorizeUrl: `${cfg.appUrl}/local-idp/authorize`,
        tokenUrl: `${cfg.appUrl}/local-idp/token`,
        revokeUrl: `${cfg.appUrl}/local-idp/revoke`,
        scopes: connectionScopes(),
        redirectUri: connectionRedirectUri(),
      },
    },
    {
      name: KEY_CONNECTION,
      kind: "key",
      displayName: "Foundry Agent Chat tools (access key)",
      target: cfg.mcp.resourceUrl,
      config: { headerName: "x-api-key" },
    },
  ];
}

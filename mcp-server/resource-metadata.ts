import { getConfig } from "@/lib/config";
import { acceptedIssuers } from "@/lib/identity/verify";

/** Where clients find the metadata of /api/mcp (RFC 9728 §3.1: well-known path + resource path). */
export function resourceMetadataUrl(): string {
  const { appUrl, mcp } = getConfig();
  return `${appUrl}/.well-known/oauth-protected-resource${new URL(mcp.resourceUrl).pathname}`;
}

/** The delegated scope a user token for /api/mcp must carry (`api://…/access_as_user`). */
export function requiredScope(): string {
  const { apiAppIdUri, apiScopeName } = getConfig().identity;
  return `${apiAppIdUri}/${apiScopeName}`;
}

/** RFC 9728 Protected Resource Metadata of /api/mcp. */
export function protectedResourceMetadata() {
  const { mcp } = getConfig();
  return {
    resource: mcp.resourceUrl,
    // The v2.0 issuer: its OpenID configuration lives at `<issuer>/.well-known/openid-configuration`.
    authorization_servers: [acceptedIssuers()[0]!],
    scopes_supported: [requiredScope()],
    bearer_methods_supported: ["header"],
    resource_name: "Foundry Agent Chat tools (MCP)",
  };
}

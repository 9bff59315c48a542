import { getConfig, LOCAL_SPA_CLIENT_ID } from "@/lib/config";
import type { PublicAuthConfig } from "./browser/auth-config";

const OIDC_SCOPES = ["openid", "profile", "offline_access"];

/** The browser's sign-in settings for the configured mode. Only public identifiers. */
export function buildPublicAuthConfig(): PublicAuthConfig {
  const { appUrl, identity: id } = getConfig();
  const apiScope = `${id.apiAppIdUri}/${id.apiScopeName}`;
  const scopes = [...OIDC_SCOPES, apiScope];
  if (id.mode === "local") {
    return {
      mode: "local",
      clientId: id.spaClientId,
      authority: `${appUrl}/local-idp`,
      scopes,
      apiScope,
    };
  }
  // Without ENTRA_SPA_CLIENT_ID the API registration is assumed to also carry the SPA platform.
  const clientId = id.spaClientId === LOCAL_SPA_CLIENT_ID ? id.apiClientId : id.spaClientId;
  return {
    mode: "entra",
    clientId,
    authority: `${id.authorityHost}/${id.tenantId}`,
    scopes,
    apiScope,
  };
}

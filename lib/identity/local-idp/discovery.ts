import { getConfig } from "@/lib/config";
import { localIssuer } from "./tokens";

/** OpenID Provider metadata, shaped like Entra's v2.0 document for the same tenant. */
export function openIdConfiguration() {
  const { authorityHost, tenantId, apiAppIdUri, apiScopeName } = getConfig().identity;
  return {
    issuer: localIssuer(),
    authorization_endpoint: `${authorityHost}/authorize`,
    token_endpoint: `${authorityHost}/token`,
    revocation_endpoint: `${authorityHost}/revoke`,
    jwks_uri: `${authorityHost}/${tenantId}/discovery/v2.0/keys`,
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    code_challenge_methods_supported: ["S256"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    token_endpoint_auth_methods_supported: ["none", "client_secret_basic", "client_secret_post"],
    scopes_supported: [
      "openid",
      "profile",
      "email",
      "offline_access",
      `${apiAppIdUri}/${apiScopeName}`,
    ],
    claims_supported: [
      "sub",
      "iss",
      "aud",
      "exp",
      "iat",
      "nbf",
      "tid",
      "oid",
      "name",
      "preferred_username",
      "roles",
      "scp",
      "azp",
      "ver",
      "nonce",
    ],
    authorization_response_iss_parameter_supported: true,
    request_uri_parameter_supported: false,
    tenant_region_scope: null,
    cloud_instance_name: "local",
  };
}

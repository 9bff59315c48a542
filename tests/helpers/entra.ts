import { http, HttpResponse } from "msw";

/**
 * msw handlers for what MSAL Node reads before it posts to an Entra tenant's token endpoint:
 * instance discovery and the tenant's OpenID configuration (`authority` =
 * `https://login.microsoftonline.com/<tenant>`). Tests add their own token endpoint handler.
 */
export function entraDiscovery(authority: string) {
  return [
    http.get(`${authority}/v2.0/.well-known/openid-configuration`, () =>
      HttpResponse.json({
        token_endpoint: `${authority}/oauth2/v2.0/token`,
        authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
        issuer: `${authority}/v2.0`,
        jwks_uri: `${authority}/discovery/v2.0/keys`,
      }),
    ),
    http.get("https://login.microsoftonline.com/common/discovery/instance", () =>
      HttpResponse.json({
        tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`,
        "api-version": "1.1",
        metadata: [
          {
            preferred_network: "login.microsoftonline.com",
            preferred_cache: "login.windows.net",
            aliases: ["login.microsoftonline.com", "login.windows.net"],
          },
        ],
      }),
    ),
  ];
}

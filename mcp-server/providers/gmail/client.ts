import { gmail, type gmail_v1 } from "@googleapis/gmail";
import { OAuth2Client } from "google-auth-library";
import { getConfig } from "@/lib/config";

/** The Google OAuth client settings; only called in live mode (config refuses live without them). */
export function googleOAuthSettings() {
  const cfg = getConfig().providers.gmail;
  if (cfg.mode !== "live") throw new Error("The Gmail provider is not in live mode.");
  return cfg;
}

/**
 * google-auth-library's OAuth2Client for the authorization-code flow, refresh and revocation
 * (endpoints: accounts.google.com/o/oauth2/v2/auth, oauth2.googleapis.com/token and /revoke).
 * The client secret is sent in the form body (client_secret_post), as Google's web-server flow
 * documents.
 */
export function oauthClient(): OAuth2Client {
  const cfg = googleOAuthSettings();
  return new OAuth2Client({
    clientId: cfg.clientId,
    clientSecret: cfg.clientSecret,
    redirectUri: cfg.redirectUri,
  });
}

/**
 * The Gmail API client (`@googleapis/gmail`) for one call with the user's access token. The SDK's
 * own retries are off: the MCP core decides what is retried (reads only) and a token refresh is
 * ours to do once (withProviderSession). The caller's signal aborts the request when the tool's
 * time budget ends.
 */
export function gmailApi(accessToken: string, signal?: AbortSignal): gmail_v1.Gmail {
  return gmail({
    version: "v1",
    retry: false,
    headers: { authorization: `Bearer ${accessToken}` },
    ...(signal ? { signal } : {}),
  });
}

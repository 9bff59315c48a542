import { route } from "@/lib/http/route";
import { oauthCallback } from "@/mcp-server/connections/callback";

export const dynamic = "force-dynamic";
type Params = { provider: string };

/**
 * Where the provider's consent screen sends the popup back (Gmail in live mode:
 * `${APP_URL}/api/connections/gmail/callback`, registered in the Google Cloud console). Its
 * credentials are the single-use state, the browser-binding cookie and PKCE.
 */
export const GET = route<Params>(async ({ req, params }) => oauthCallback(req, params));

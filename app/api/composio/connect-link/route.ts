import { route } from "@/lib/http/route";
import { postComposioConnectLink } from "@/mcp-server/providers/composio/connect-handler";

export const dynamic = "force-dynamic";

/**
 * Composio's Connect Link for the user and toolkit named by the signed token from
 * /connect/composio (the token is the credential; docs/TOOLS.md, "Composio").
 */
export const POST = route(async ({ req }) => postComposioConnectLink(req));

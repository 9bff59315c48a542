import { route } from "@/lib/http/route";
import { previewConnection } from "@/mcp-server/connections/handlers";
import { authenticateConnect } from "../../credential";

export const dynamic = "force-dynamic";
type Params = { provider: string };

/** What the connect page shows for its link (whom it connects); records nothing. Its token is the credential. */
export const POST = route<Params>(async ({ req, params }) => {
  await authenticateConnect(req, params.provider, { bearer: false });
  return previewConnection(req, params);
});

import { route } from "@/lib/http/route";
import { previewConnection } from "@/mcp-server/connections/handlers";

export const dynamic = "force-dynamic";
type Params = { provider: string };

/** What the connect page shows for its link (whom it connects); records nothing. */
export const POST = route<Params>(async ({ req, params }) => previewConnection(req, params));

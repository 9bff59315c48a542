import { route } from "@/lib/http/route";
import { deleteConnection, postConnection } from "@/mcp-server/connections/handlers";

export const dynamic = "force-dynamic";
type Params = { provider: string };

/** Records a connection (from the consent page with its signed token, or with a bearer). */
export const POST = route<Params>(async ({ req, params }) => postConnection(req, params));

/** Disconnects the caller's own account. */
export const DELETE = route<Params>(async ({ req, params }) => deleteConnection(req, params));

import { route, userRoute } from "@/lib/http/route";
import { deleteConnection, postConnection } from "@/mcp-server/connections/handlers";
import { authenticateConnect } from "../credential";

export const dynamic = "force-dynamic";
type Params = { provider: string };

/**
 * Records a connection (from the consent page with its signed token, or with a bearer). The
 * credential is checked first; the handler then checks the provider, origin and body.
 */
export const POST = route<Params>(async ({ req, params }) => {
  await authenticateConnect(req, params.provider, { bearer: true });
  return postConnection(req, params);
});

/** Disconnects the caller's own account. */
export const DELETE = userRoute<Params>(async ({ req, params }) => deleteConnection(req, params));

import { userRoute } from "@/lib/http/route";
import { deleteConsent } from "@/mcp-server/connections/handlers";

export const dynamic = "force-dynamic";
type Params = { name: string };

/** Revokes the caller's own consent to an agent-service connection (embedded mode only). */
export const DELETE = userRoute<Params>(async ({ req, params }) => deleteConsent(req, params));

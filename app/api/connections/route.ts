import { userRoute } from "@/lib/http/route";
import { getConnections } from "@/mcp-server/connections/handlers";

export const dynamic = "force-dynamic";

/** The caller's provider connections (and connect links for the others) and tool consents. */
export const GET = userRoute(async ({ req, correlationId }) => getConnections(req, correlationId));

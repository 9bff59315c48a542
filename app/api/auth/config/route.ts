import { json, route } from "@/lib/http/route";
import { buildPublicAuthConfig } from "@/lib/identity/public-config";

export const dynamic = "force-dynamic";

/** `GET /api/auth/config`: how the browser signs in. No authentication: it is needed to sign in. */
export const GET = route(async () => json(buildPublicAuthConfig()));

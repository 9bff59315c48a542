import { getConfig } from "@/lib/config";
import { verifyAccessToken } from "@/lib/identity/verify";
import { createLocalFoundryHandler } from "@/lib/local-foundry/handler";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** The local agent service (embedded mode only); it is the AIProjectClient endpoint. */
let handler: ((req: Request) => Promise<Response>) | undefined;

function serveLocalFoundry(req: Request): Promise<Response> {
  if (getConfig().agents.mode !== "local") {
    return Promise.resolve(
      Response.json(
        {
          error: {
            message: "The local agent service is off: this server uses Azure AI Foundry.",
            type: "invalid_request_error",
            code: "not_found",
            param: null,
          },
        },
        { status: 404 },
      ),
    );
  }
  handler ??= createLocalFoundryHandler({
    basePath: "/local-foundry",
    // Local sign-in: tokens minted for the agent service. Entra sign-in: the user's own API token
    // (nothing can mint Foundry-audience tokens for the in-app service then; see credentials.ts).
    verify: (token) =>
      verifyAccessToken(token, {
        audience: getConfig().identity.mode === "local" ? "foundry" : "api",
      }),
  });
  return handler(req);
}

export const GET = serveLocalFoundry;
export const POST = serveLocalFoundry;
export const DELETE = serveLocalFoundry;
export const PUT = serveLocalFoundry;
export const PATCH = serveLocalFoundry;

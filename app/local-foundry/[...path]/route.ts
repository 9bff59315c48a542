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
        { error: { message: "The local agent service is off: this server uses Azure AI Foundry.", type: "invalid_request_error", code: "not_found", param: null } },
        { status: 404 },
      ),
    );
  }
  handler ??= createLocalFoundryHandler({
    basePath: "/local-foundry",
    verify: (token) => verifyAccessToken(token, { audience: "foundry" }),
  });
  return handler(req);
}

export const GET = serveLocalFoundry;
export const POST = serveLocalFoundry;
export const DELETE = serveLocalFoundry;

import type { Span } from "@opentelemetry/api";
import { getDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { correlationIdFrom } from "@/lib/http/correlation";
import type { Principal } from "@/lib/identity/principal";
import { logger } from "@/lib/log";
import { serveInSpan } from "@/lib/telemetry/tracing";
import { errorResponse, LfError } from "./errors";
import { assertStorableUrl } from "./http";
import { modelFromConfig } from "./model/select";
import type { LocalModel } from "./model/types";
import { matchRoute, type LfRoute } from "./router";
import { handleConsentCallback } from "./connections/callback";
import { agentRoutes } from "./routes/agents";
import { connectionRoutes } from "./routes/connections";
import { conversationRoutes } from "./routes/conversations";
import { responseRoutes } from "./routes/responses";
import { seedLocalAgents } from "./seed";

export interface LocalFoundryOptions {
  /** Where the service is mounted, e.g. "/local-foundry" (the AIProjectClient endpoint's path). */
  basePath: string;
  /** Verifies a bearer token meant for this service (audience "foundry"); throws AppError 401. */
  verify: (token: string) => Promise<Principal>;
  /** The model behind every agent; by default the configured one (scripted or OpenAI-compatible). */
  model?: () => LocalModel;
  /** Seed the default agents before the first request is served (default true). */
  seed?: boolean;
}

const routes: LfRoute[] = [
  ...agentRoutes,
  ...conversationRoutes,
  ...responseRoutes,
  ...connectionRoutes,
];

/**
 * The local agent service as one fetch handler: the subset of the Foundry project data plane that
 * @azure/ai-projects and the openai client use, with Foundry's shapes and errors.
 */
export function createLocalFoundryHandler(
  opts: LocalFoundryOptions,
): (req: Request) => Promise<Response> {
  const base = opts.basePath.replace(/\/$/, "");
  const model = opts.model ?? modelFromConfig;
  let seeded: Promise<void> | undefined;
  const ensureSeeded = () => {
    if (opts.seed === false) return Promise.resolve();
    seeded ??= seedLocalAgents().catch((err) => {
      seeded = undefined;
      throw err;
    });
    return seeded;
  };

  // One SERVER span per request, in the caller's trace, lasting until a streamed answer ends.
  const serve = (req: Request) =>
    serveInSpan(req, `${req.method} ${base}`, (span) => handle(req, span), { untilBodyEnds: true });
  const handle = async (req: Request, span: Span): Promise<Response> => {
    try {
      const url = new URL(req.url);
      // The consent callback is where the browser lands: no bearer token, `state` identifies it.
      if (req.method === "GET" && url.pathname === `${base}/connections/callback`) {
        assertStorableUrl(url);
        await ensureSeeded();
        return await handleConsentCallback(await getDb(), req);
      }
      // Credentials first: without them, nothing about the path or the body is answered.
      const principal = await authenticate(req, opts.verify);
      if (url.pathname !== base && !url.pathname.startsWith(`${base}/`))
        throw routeNotFound(req.method, url.pathname);
      assertStorableUrl(url);
      const match = matchRoute(routes, req.method, url.pathname.slice(base.length) || "/");
      if (!match) throw routeNotFound(req.method, url.pathname);
      if ("route" in match) span.updateName(`${req.method} ${base}${match.route.pattern}`);
      if ("methodNotAllowed" in match) {
        throw new LfError(
          405,
          `Method ${req.method} is not allowed on ${url.pathname}.`,
          "invalid_request_error",
          "method_not_allowed",
        );
      }
      await ensureSeeded();
      const db = await getDb();
      return await match.route.handle({
        req,
        url,
        params: match.params,
        principal,
        db,
        model: model(),
      });
    } catch (err) {
      return toResponse(err, req);
    }
  };
  return serve;
}

async function authenticate(
  req: Request,
  verify: LocalFoundryOptions["verify"],
): Promise<Principal> {
  const header = req.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match)
    throw new LfError(401, "Missing bearer token.", "authentication_error", "missing_token");
  try {
    return await verify(match[1]!);
  } catch (err) {
    if (err instanceof AppError && err.status === 401) throw unauthorized(err.message);
    throw err;
  }
}

const unauthorized = (message: string) =>
  new LfError(401, message, "authentication_error", "invalid_token");

const routeNotFound = (method: string, path: string) =>
  new LfError(404, `Unknown route: ${method} ${path}`, "invalid_request_error", "not_found");

function toResponse(err: unknown, req: Request): Response {
  if (err instanceof LfError) return errorResponse(err);
  if (err instanceof AppError && err.status < 500) {
    return errorResponse(new LfError(err.status, err.message, "invalid_request_error", err.code));
  }
  if (err instanceof AppError && err.status === 503) {
    // e.g. the identity provider's keys are unreachable: say so, and let the client retry.
    return errorResponse(new LfError(503, err.message, "server_error", err.code));
  }
  logger().error(
    {
      err,
      correlationId: correlationIdFrom(req.headers),
      method: req.method,
      path: new URL(req.url).pathname,
    },
    "local agent service failed",
  );
  return errorResponse(
    new LfError(
      500,
      "The local agent service failed. Please try again.",
      "server_error",
      "server_error",
    ),
  );
}

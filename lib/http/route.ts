import { AppError, problemResponse } from "@/lib/errors";
import { authenticate } from "@/lib/identity/authenticate";
import type { Principal } from "@/lib/identity/principal";
import { logger } from "@/lib/log";
import { recordHttpRequest, routeTemplate } from "@/lib/telemetry/metrics";
import { serveInSpan, traceIdOf } from "@/lib/telemetry/tracing";
import { correlationIdFrom } from "./correlation";

export interface RouteContext<P> {
  req: Request;
  params: P;
  correlationId: string;
}

export interface UserRouteContext<P> extends RouteContext<P> {
  /** The signed-in user, verified before anything of the request was read. */
  principal: Principal;
}

type NextSegment<P> = { params: Promise<P> };
type RouteParams = Record<string, string | string[] | undefined>;

/**
 * Wraps a route handler: assigns the correlation id, turns every thrown value into problem+json
 * (so no input produces an unhandled 500), and stamps `x-correlation-id` on the answer.
 * Public routes only (health, readiness, sign-in configuration) and routes with their own
 * credentials; a route that acts for a person uses `userRoute`.
 */
export function route<P = Record<string, never>>(fn: (ctx: RouteContext<P>) => Promise<Response>) {
  return async (req: Request, segment?: NextSegment<P>): Promise<Response> => {
    const startedAt = performance.now();
    return serveInSpan(req, `${req.method} /api`, async (span) => {
      // With tracing on, the request's span carries the trace (the caller's, or a new one).
      const correlationId = traceIdOf(span) ?? correlationIdFrom(req.headers);
      let template = "unmatched";
      let res: Response;
      try {
        // Next passes no params (or `undefined`) to a route without dynamic segments.
        const params = ((segment ? await segment.params : undefined) ?? {}) as P;
        template = routeTemplate(new URL(req.url).pathname, params as RouteParams);
        res = await fn({ req, params, correlationId });
        res.headers.set("x-correlation-id", correlationId);
      } catch (err) {
        if (!(err instanceof AppError) || err.status >= 500) {
          logger().error(
            { err, correlationId, method: req.method, path: new URL(req.url).pathname },
            "request failed",
          );
        }
        res = problemResponse(err, correlationId);
      }
      span.updateName(`${req.method} ${template}`);
      span.setAttribute("http.route", template);
      recordHttpRequest({ method: req.method, route: template, status: res.status, startedAt });
      return res;
    });
  };
}

/**
 * A route that acts for a signed-in user: authenticates first, then hands the principal to the
 * handler, which parses → authorizes → limits → acts. So a request without a valid token is a 401
 * with a challenge whatever its body, id or content type, and nothing of it is read before.
 */
export function userRoute<P = Record<string, never>>(
  fn: (ctx: UserRouteContext<P>) => Promise<Response>,
) {
  return route<P>(async (ctx) => fn({ ...ctx, principal: await authenticate(ctx.req) }));
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { "cache-control": "no-store", ...headers } });
}

export function noContent(): Response {
  return new Response(null, { status: 204 });
}

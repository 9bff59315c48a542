import { AppError, problemResponse } from "@/lib/errors";
import { logger } from "@/lib/log";
import { correlationIdFrom } from "./correlation";

export interface RouteContext<P> {
  req: Request;
  params: P;
  correlationId: string;
}

type NextSegment<P> = { params: Promise<P> };

/**
 * Wraps a route handler: assigns the correlation id, turns every thrown value into problem+json
 * (so no input produces an unhandled 500), and stamps `x-correlation-id` on the answer.
 */
export function route<P = Record<string, never>>(fn: (ctx: RouteContext<P>) => Promise<Response>) {
  return async (req: Request, segment?: NextSegment<P>): Promise<Response> => {
    const correlationId = correlationIdFrom(req.headers);
    try {
      const params = (segment ? await segment.params : {}) as P;
      const res = await fn({ req, params, correlationId });
      res.headers.set("x-correlation-id", correlationId);
      return res;
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) {
        logger().error(
          { err, correlationId, method: req.method, path: new URL(req.url).pathname },
          "request failed",
        );
      }
      return problemResponse(err, correlationId);
    }
  };
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { "cache-control": "no-store", ...headers } });
}

export function noContent(): Response {
  return new Response(null, { status: 204 });
}

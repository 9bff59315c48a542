import { logger } from "@/lib/log";
import { sandboxSessionOwner } from "@/mcp-server/providers/sandbox/session-issuer";
import { ProviderAuthError } from "@/mcp-server/providers/types";
import * as bookings from "./bookings";
import * as enquiries from "./enquiries";
import { HttpError, json, problem, readJson } from "./http";
import * as payments from "./payments";
import { findVehicle, listVehicles, vehicleJson } from "./vehicles";

export const DEALER_PROVIDER = "openapi:dealer";

type Handler = (userId: string, req: Request, url: URL, params: string[]) => Promise<Response>;

const routes: [method: string, pattern: RegExp, handler: Handler][] = [
  ["GET", /^\/vehicles$/, async (_u, _r, url) => json(200, await listVehicles(url))],
  [
    "GET",
    /^\/vehicles\/([^/]+)$/,
    async (_u, _r, _url, [id]) => json(200, vehicleJson(await findVehicle(id!))),
  ],
  ["GET", /^\/enquiries$/, async (u, _r, url) => json(200, await enquiries.listEnquiries(u, url))],
  [
    "POST",
    /^\/enquiries$/,
    async (u, req) =>
      json(201, await enquiries.createEnquiry(u, await readJson(req, enquiries.createSchema))),
  ],
  [
    "GET",
    /^\/enquiries\/([^/]+)$/,
    async (u, _r, _url, [id]) => json(200, await enquiries.getEnquiry(u, id!)),
  ],
  [
    "PATCH",
    /^\/enquiries\/([^/]+)\/status$/,
    async (u, req, _url, [id]) =>
      json(
        200,
        await enquiries.updateEnquiryStatus(u, id!, await readJson(req, enquiries.statusSchema)),
      ),
  ],
  ["GET", /^\/bookings$/, async (u, _r, url) => json(200, await bookings.listBookings(u, url))],
  [
    "POST",
    /^\/bookings$/,
    async (u, req) =>
      json(201, await bookings.createBooking(u, await readJson(req, bookings.createSchema))),
  ],
  [
    "DELETE",
    /^\/bookings\/([^/]+)$/,
    async (u, _r, _url, [id]) => json(200, await bookings.cancelBooking(u, id!)),
  ],
  [
    "POST",
    /^\/payments$/,
    async (u, req) =>
      json(201, await payments.createPayment(u, await readJson(req, payments.createSchema))),
  ],
  [
    "GET",
    /^\/payments\/([^/]+)$/,
    async (u, _r, _url, [id]) => json(200, await payments.getPayment(u, id!)),
  ],
];

/**
 * The sandbox dealer backend: a Web-standard handler (Request → Response) with real state in the
 * database, authenticated by the caller's provider session (`Authorization: Bearer <session>`).
 * Paths are relative to the API's base path (/v1).
 */
export async function dealerBackend(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const path = url.pathname.replace(/^\/v1(?=\/)/, "");
  const auth = req.headers.get("authorization") ?? "";
  const m = /^Bearer\s+(\S+)$/i.exec(auth);
  if (!m) return problem(401, "Missing bearer session");
  let userId: string;
  try {
    userId = await sandboxSessionOwner(m[1]!, DEALER_PROVIDER);
  } catch (err) {
    if (err instanceof ProviderAuthError) return problem(401, "Session expired or unknown");
    throw err;
  }
  const candidates = routes.filter(([, pattern]) => pattern.test(path));
  if (candidates.length === 0) return problem(404, "No such resource");
  const route = candidates.find(([method]) => method === req.method);
  if (!route) return problem(405, "Method not allowed");
  const params = route[1].exec(path)!.slice(1).map(decodeURIComponent);
  try {
    return await route[2](userId, req, url, params);
  } catch (err) {
    if (err instanceof HttpError) return problem(err.status, err.message, err.detail);
    logger().error({ err, path, method: req.method }, "sandbox dealer backend failed");
    return problem(500, "Internal error");
  }
}

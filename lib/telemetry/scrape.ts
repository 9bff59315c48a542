import { createHash, timingSafeEqual } from "node:crypto";
import { getConfig } from "@/lib/config";
import { AppError } from "@/lib/errors";
import { authenticate } from "@/lib/identity/authenticate";
import { hasRole, ROLES } from "@/lib/identity/principal";
import { ensureHealthGauges } from "./health";
import { metrics } from "./metrics";

/**
 * GET /api/metrics: the Prometheus text exposition, for a scraper holding METRICS_SCRAPE_TOKEN
 * or a signed-in Admin. No credentials → 401 with a challenge; another user → 403.
 */
export async function metricsResponse(req: Request): Promise<Response> {
  await authorizeScrape(req);
  const m = metrics();
  ensureHealthGauges(m);
  return new Response(await m.registry.metrics(), {
    headers: { "content-type": m.registry.contentType, "cache-control": "no-store" },
  });
}

async function authorizeScrape(req: Request): Promise<void> {
  const scrapeToken = getConfig().telemetry.metricsScrapeToken;
  const presented = /^\s*bearer\s+(\S+)\s*$/i.exec(req.headers.get("authorization") ?? "")?.[1];
  if (scrapeToken && presented && sameSecret(presented, scrapeToken)) return;
  // Anything else must be a user's token: authenticate answers 401 (none, or not valid).
  const principal = await authenticate(req);
  if (!hasRole(principal, ROLES.admin))
    throw new AppError("forbidden", "Only administrators may read the metrics.");
}

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

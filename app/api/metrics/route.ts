import { route } from "@/lib/http/route";
import { metricsResponse } from "@/lib/telemetry/scrape";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Prometheus metrics, for Admins or a scraper with METRICS_SCRAPE_TOKEN (docs/OBSERVABILITY.md). */
export const GET = route(async ({ req }) => metricsResponse(req));

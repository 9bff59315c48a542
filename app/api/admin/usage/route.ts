import { requireAdmin } from "@/lib/admin/authorize";
import { PeriodError, periodQuerySchema, resolvePeriod } from "@/lib/admin/period";
import { loadUsage } from "@/lib/admin/usage-store";
import { AppError } from "@/lib/errors";
import { parseWith } from "@/lib/http/body";
import { json, userRoute } from "@/lib/http/route";
import { AUDIT_TOOL } from "@/mcp-server/keys/admin";

export const dynamic = "force-dynamic";

/**
 * MCP tool usage over `?from&to` (ISO 8601; default the last day) in `bucket`s (minute, hour,
 * day; default by length): calls per tool, per user and per outcome, latency percentiles, rate
 * limit refusals, and a time series. Admins only.
 */
export const GET = userRoute(async ({ req, principal }) => {
  const query = parseWith(periodQuerySchema, Object.fromEntries(new URL(req.url).searchParams));
  requireAdmin(principal);
  let period;
  try {
    period = resolvePeriod(query, new Date());
  } catch (err) {
    if (!(err instanceof PeriodError)) throw err;
    throw new AppError("invalid_request", "The request is not valid.", {
      extensions: { errors: [{ path: "from", message: err.message }] },
    });
  }
  // Key changes are audited under their own name; they are not tool calls.
  return json(await loadUsage(period, [AUDIT_TOOL]));
});

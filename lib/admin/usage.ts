import type { Bucket, Period } from "./period";
import { BUCKETS, bucketStarts } from "./period";

/**
 * The usage page's numbers (GET /api/admin/usage), shaped for charts. Calls and latencies come
 * from the audit log (every MCP tools/call the rate limit let through, with its outcome and
 * latency); refusals by the rate limit from their per-minute counters (lib/limits/refusals.ts).
 */
export interface Usage {
  period: { from: string; to: string; bucket: Bucket };
  totals: { calls: number; ok: number; failed: number; rateLimited: number } & Percentiles;
  byTool: ({ tool: string; calls: number; ok: number; failed: number } & Percentiles)[];
  byUser: { username: string; calls: number; ok: number; failed: number; rateLimited: number }[];
  byOutcome: { outcome: string; calls: number }[];
  series: SeriesPoint[];
}

export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface SeriesPoint {
  /** Start of the bucket (ISO 8601). */
  start: string;
  ok: number;
  failed: number;
  rateLimited: number;
}

/** Outcomes that count as a call that did what was asked (a replay answers from the first run). */
export const SUCCESS_OUTCOMES: readonly string[] = ["ok", "replayed"];

export const isSuccess = (outcome: string) => SUCCESS_OUTCOMES.includes(outcome);

/** Calls grouped by bucket start (ms), outcome class. */
export interface CallBucketRow {
  bucketStart: number;
  success: boolean;
  calls: number;
}

/** Refusals grouped by minute. */
export interface RefusalRow {
  minute: Date;
  count: number;
}

/**
 * One point per bucket of the period, empty buckets included, so a chart's time axis is even
 * (pure). Rows outside the period are ignored.
 */
export function buildSeries(
  period: Period,
  calls: readonly CallBucketRow[],
  refusals: readonly RefusalRow[],
): SeriesPoint[] {
  const size = BUCKETS[period.bucket];
  const starts = bucketStarts(period);
  const first = starts[0] ?? 0;
  const points = starts.map((s) => ({
    start: new Date(s).toISOString(),
    ok: 0,
    failed: 0,
    rateLimited: 0,
  }));
  const at = (ms: number) => points[Math.floor((ms - first) / size)];
  for (const r of calls) {
    const p = at(r.bucketStart);
    if (!p) continue;
    if (r.success) p.ok += r.calls;
    else p.failed += r.calls;
  }
  for (const r of refusals) {
    const p = at(Math.floor(r.minute.getTime() / size) * size);
    if (p) p.rateLimited += r.count;
  }
  return points;
}

/** Per user: calls from the audit rows and refusals from the counters, busiest first (pure). */
export function mergeByUser(
  calls: readonly { username: string; outcome: string; calls: number }[],
  refusals: readonly { username: string; count: number }[],
): Usage["byUser"] {
  const users = new Map<string, Usage["byUser"][number]>();
  const entry = (username: string) => {
    let u = users.get(username);
    if (!u) {
      u = { username, calls: 0, ok: 0, failed: 0, rateLimited: 0 };
      users.set(username, u);
    }
    return u;
  };
  for (const r of calls) {
    const u = entry(r.username);
    u.calls += r.calls;
    if (isSuccess(r.outcome)) u.ok += r.calls;
    else u.failed += r.calls;
  }
  for (const r of refusals) entry(r.username).rateLimited += r.count;
  return [...users.values()].sort(
    (a, b) =>
      b.calls + b.rateLimited - (a.calls + a.rateLimited) || a.username.localeCompare(b.username),
  );
}

/**
 * Nearest-rank percentile of sorted values (pure); null for none. Matches PostgreSQL's
 * `percentile_disc`, which the database queries use.
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1]!;
}

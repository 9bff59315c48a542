import { and, asc, desc, gte, lt, notInArray, sql, type SQL } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { auditLog } from "@/lib/db/schema";
import { MCP_CALL_LIMITER } from "@/lib/limits/mcp";
import { listRefusals } from "@/lib/limits/refusals";
import { BUCKETS, type Period } from "./period";
import { buildSeries, mergeByUser, SUCCESS_OUTCOMES, type Usage } from "./usage";

const count = sql<number>`count(*)::int`;
const pct = (p: number) =>
  sql<
    number | null
  >`percentile_disc(${sql.raw(String(p))}) within group (order by ${auditLog.latencyMs})`;
// Literals, not parameters: the same expression appears in SELECT and GROUP BY, and PostgreSQL
// matches them only when their text is identical. Both are our own constants.
const successList = SUCCESS_OUTCOMES.map((o) => {
  if (!/^[a-z_]+$/.test(o)) throw new Error(`Unexpected outcome name: ${o}`);
  return `'${o}'`;
}).join(", ");
const success = sql<boolean>`${auditLog.outcome} in (${sql.raw(successList)})`;
const okCount = sql<number>`(count(*) filter (where ${success}))::int`;

/**
 * Usage of the MCP tools in the period. `notCalls`: audited actions that are not tool calls
 * (an admin's key changes), left out.
 */
export async function loadUsage(period: Period, notCalls: readonly string[] = []): Promise<Usage> {
  const db = await getDb();
  const where: SQL = and(
    gte(auditLog.at, period.from),
    lt(auditLog.at, period.to),
    notCalls.length > 0 ? notInArray(auditLog.tool, [...notCalls]) : undefined,
  )!;
  const size = BUCKETS[period.bucket];
  const bucketStart = sql<number>`(floor(extract(epoch from ${auditLog.at}) * 1000 / ${sql.raw(String(size))}) * ${sql.raw(String(size))})::float8`;

  const [totals] = await db
    .select({ calls: count, ok: okCount, p50: pct(0.5), p95: pct(0.95), p99: pct(0.99) })
    .from(auditLog)
    .where(where);
  const byTool = await db
    .select({
      tool: auditLog.tool,
      calls: count,
      ok: okCount,
      p50: pct(0.5),
      p95: pct(0.95),
      p99: pct(0.99),
    })
    .from(auditLog)
    .where(where)
    .groupBy(auditLog.tool)
    .orderBy(desc(count), asc(auditLog.tool));
  const byUserOutcome = await db
    .select({ username: auditLog.username, outcome: auditLog.outcome, calls: count })
    .from(auditLog)
    .where(where)
    .groupBy(auditLog.username, auditLog.outcome);
  const buckets = await db
    .select({ bucketStart, success, calls: count })
    .from(auditLog)
    .where(where)
    .groupBy(bucketStart, success);
  const refusals = await listRefusals(MCP_CALL_LIMITER, period.from, period.to);

  const byOutcome = new Map<string, number>();
  for (const r of byUserOutcome)
    byOutcome.set(r.outcome, (byOutcome.get(r.outcome) ?? 0) + r.calls);
  const calls = totals?.calls ?? 0;
  const ok = totals?.ok ?? 0;
  return {
    period: {
      from: period.from.toISOString(),
      to: period.to.toISOString(),
      bucket: period.bucket,
    },
    totals: {
      calls,
      ok,
      failed: calls - ok,
      rateLimited: refusals.reduce((n, r) => n + r.count, 0),
      p50: totals?.p50 ?? null,
      p95: totals?.p95 ?? null,
      p99: totals?.p99 ?? null,
    },
    byTool: byTool.map((t) => ({ ...t, failed: t.calls - t.ok })),
    byUser: mergeByUser(byUserOutcome, refusals),
    byOutcome: [...byOutcome]
      .map(([outcome, n]) => ({ outcome, calls: n }))
      .sort((a, b) => b.calls - a.calls || a.outcome.localeCompare(b.outcome)),
    series: buildSeries(
      period,
      buckets.map((b) => ({
        bucketStart: Number(b.bucketStart),
        success: !!b.success,
        calls: b.calls,
      })),
      refusals,
    ),
  };
}

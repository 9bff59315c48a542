import { z } from "zod";

/** Bucket sizes of the usage charts. */
export const BUCKETS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
export type Bucket = keyof typeof BUCKETS;

/** Longest period one request may cover, and most buckets one chart may have. */
export const MAX_PERIOD_MS = 366 * BUCKETS.day;
export const MAX_BUCKETS = 1_000;
const DEFAULT_PERIOD_MS = BUCKETS.day;

export interface Period {
  from: Date;
  to: Date;
  bucket: Bucket;
}

const instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

/** `?from&to&bucket` of GET /api/admin/usage (ISO 8601 instants with an offset). */
export const periodQuerySchema = z.strictObject({
  from: instant.optional(),
  to: instant.optional(),
  bucket: z.enum(["minute", "hour", "day"]).optional(),
});

export type PeriodQuery = z.infer<typeof periodQuerySchema>;

export class PeriodError extends Error {}

/**
 * The period a usage request covers (pure): `to` defaults to now, `from` to a day before `to`;
 * the bucket defaults to the smallest that keeps the chart within MAX_BUCKETS bars (at least
 * minutes for up to two hours, hours up to ten days, days beyond). Refuses a period that ends
 * before it starts, is longer than a year, or has too many buckets of the size asked for.
 */
export function resolvePeriod(q: PeriodQuery, now: Date): Period {
  const to = q.to ?? now;
  const from = q.from ?? new Date(to.getTime() - DEFAULT_PERIOD_MS);
  const span = to.getTime() - from.getTime();
  if (span <= 0) throw new PeriodError("The period must end after it starts.");
  if (span > MAX_PERIOD_MS) throw new PeriodError("The period may cover at most 366 days.");
  const bucket = q.bucket ?? defaultBucket(span);
  if (Math.ceil(span / BUCKETS[bucket]) > MAX_BUCKETS)
    throw new PeriodError(`A period this long needs larger buckets than a ${bucket}.`);
  return { from, to, bucket };
}

function defaultBucket(spanMs: number): Bucket {
  if (spanMs <= 2 * BUCKETS.hour) return "minute";
  if (spanMs <= 10 * BUCKETS.day) return "hour";
  return "day";
}

/** The start of every bucket of the period, aligned to UTC multiples of the bucket size. */
export function bucketStarts(p: Period): number[] {
  const size = BUCKETS[p.bucket];
  const first = Math.floor(p.from.getTime() / size) * size;
  const starts: number[] = [];
  for (let t = first; t < p.to.getTime(); t += size) starts.push(t);
  return starts;
}

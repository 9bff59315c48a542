import type { Db } from "@/lib/db/client";

export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
/** Store functions run on the pool or inside a caller's transaction. */
export type Exec = Db | Tx;

export { isUniqueViolation } from "@/lib/db/errors";

export interface Page<T> {
  data: T[];
  hasMore: boolean;
}

export interface PageQuery {
  limit: number;
  order: "asc" | "desc";
  after?: string;
}

/** Parses `limit`, `order` and `after` the way OpenAI list endpoints do (limit 1–100, default 20, desc). */
export function pageQuery(url: URL, defaultOrder: "asc" | "desc" = "desc"): PageQuery {
  const limitRaw = Number(url.searchParams.get("limit") ?? "20");
  const limit = Number.isInteger(limitRaw) ? Math.min(100, Math.max(1, limitRaw)) : 20;
  const orderRaw = url.searchParams.get("order");
  const order = orderRaw === "asc" || orderRaw === "desc" ? orderRaw : defaultOrder;
  return { limit, order, after: url.searchParams.get("after") ?? undefined };
}

/** Cursor paging over an already ordered list: items after the cursor, one page, and whether more follow. */
export function paginate<T>(sorted: T[], q: PageQuery, keyOf: (t: T) => string): Page<T> {
  const ordered = q.order === "asc" ? sorted : [...sorted].reverse();
  const start = q.after === undefined ? 0 : ordered.findIndex((t) => keyOf(t) === q.after) + 1;
  const rest = start > 0 || q.after === undefined ? ordered.slice(start) : [];
  return { data: rest.slice(0, q.limit), hasMore: rest.length > q.limit };
}

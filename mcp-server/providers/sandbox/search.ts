import { sql } from "drizzle-orm";
import { getDb, type Db } from "@/lib/db/client";
import { searchDocuments } from "@/lib/db/schema";
import { callProvider } from "../call";
import type { SearchArgs, SearchResult, TavilyPort } from "../tavily/types";
import type { ProviderSession } from "../types";
import { searchCorpus } from "./search-corpus";
import { assertSandboxSession } from "./session-issuer";

export type { SearchArgs, SearchResult };

type Row = {
  title: string;
  url: string;
  content: string;
  score: number | string;
  published_at: string | Date;
};

// The corpus is upserted once per database handle per process, so edits to the bundled corpus
// reach existing databases on the next start.
const loaded = new WeakMap<Db, Promise<void>>();

export function ensureCorpusLoaded(db: Db): Promise<void> {
  let p = loaded.get(db);
  if (!p) {
    p = (async () => {
      for (const d of searchCorpus) {
        const values = {
          id: d.id,
          title: d.title,
          url: d.url,
          body: d.body,
          topic: d.topic,
          publishedAt: new Date(d.publishedAt),
        };
        await db
          .insert(searchDocuments)
          .values(values)
          .onConflictDoUpdate({ target: searchDocuments.id, set: values });
      }
    })();
    p.catch(() => loaded.delete(db));
    loaded.set(db, p);
  }
  return p;
}

/**
 * Ranked full-text search (Postgres tsvector + ts_rank). Query words are OR-ed so natural
 * questions still match; documents matching more (and title) words rank higher. Scores are
 * normalised to 0..1 (rank / (rank + 1)).
 */
export async function searchDocumentsRanked(
  session: ProviderSession,
  userId: string,
  args: SearchArgs,
): Promise<SearchResult[]> {
  await assertSandboxSession(session, userId, "tavily");
  const db = await getDb();
  await ensureCorpusLoaded(db);
  const host = sql`split_part(split_part(d.url, '://', 2), '/', 1)`;
  const domainMatch = (domains: string[]) =>
    sql.join(
      domains.map(
        (d) => sql`(${host} = ${d.toLowerCase()} or ${host} like ${"%." + d.toLowerCase()})`,
      ),
      sql` or `,
    );
  const include = args.includeDomains.length
    ? sql`and (${domainMatch(args.includeDomains)})`
    : sql``;
  const exclude = args.excludeDomains.length
    ? sql`and not (${domainMatch(args.excludeDomains)})`
    : sql``;
  // Basic: the passage around the matches; advanced: the whole page text, as Tavily's advanced depth returns more.
  const headlineOptions = `MaxWords=60, MinWords=30, StartSel="", StopSel="", MaxFragments=0`;
  const content =
    args.searchDepth === "advanced"
      ? sql`d.body`
      : sql`ts_headline('english', d.body, q.q, ${headlineOptions})`;

  const result = await db.execute(sql`
    with q as (
      select string_agg(quote_literal(l), ' | ')::tsquery as q
      from unnest(tsvector_to_array(to_tsvector('english', ${args.query}))) as l
    )
    select d.title, d.url, d.published_at,
           ${content} as content,
           ts_rank(d.tsv, q.q, 32) as score
    from ${searchDocuments} d, q
    where q.q is not null and d.tsv @@ q.q and d.topic = ${args.topic} ${include} ${exclude}
    order by score desc, d.published_at desc
    limit ${args.maxResults}
  `);
  // Both drivers (PGlite, node-postgres) answer `{ rows }`.
  const rows = (result as unknown as { rows: Row[] }).rows;
  return rows.map((r) => ({
    title: r.title,
    url: r.url,
    content: r.content,
    score: Math.round(Number(r.score) * 10_000) / 10_000,
    published_date: new Date(r.published_at).toISOString(),
  }));
}

/** The sandbox behind the web-search port: the bundled corpus, ranked in the database. */
export const sandboxTavily: TavilyPort = {
  search: (ctx, args) =>
    callProvider(ctx, "tavily", (session) =>
      searchDocumentsRanked(session, ctx.principal.userId, args),
    ),
};

import type { TavilySearchResponse } from "@tavily/core";
import { getConfig } from "@/lib/config";
import { logger } from "@/lib/log";
import { ToolError } from "@/mcp-server/catalog/types";
import { withTavily, type TavilyAnswer } from "./client";
import { tavilyToolError } from "./errors";
import type { SearchResult, TavilyPort } from "./types";

/**
 * The real Tavily behind the port: POST https://api.tavily.com/search with the app's key. Web
 * search is an app-level service: no per-user connection and no session.
 */
export const liveTavily: TavilyPort = {
  async search(ctx, args) {
    if (ctx.signal.aborted)
      throw new ToolError("timeout", "The call was cancelled before it reached the provider.", {
        retriable: true,
      });
    const answer: TavilyAnswer = {};
    let response: TavilySearchResponse;
    try {
      response = await withTavily(answer, (client) =>
        client.search(args.query, {
          searchDepth: args.searchDepth,
          topic: args.topic,
          maxResults: args.maxResults,
          ...(args.includeDomains.length ? { includeDomains: args.includeDomains } : {}),
          ...(args.excludeDomains.length ? { excludeDomains: args.excludeDomains } : {}),
          // Seconds; the SDK cannot be aborted, so it gives up no later than the tool's budget.
          timeout: Math.ceil(getConfig().mcp.toolTimeoutMs / 1000),
        }),
      );
    } catch (err) {
      if (answer.status === undefined && !isTransportFailure(err))
        // Tavily answered (the SDK only words HTTP failures this way) but the interceptor did not
        // see it: the SDK runs on another axios module than ours, and statuses cannot be mapped.
        logger().warn(
          { provider: "tavily" },
          "tavily answered an error the adapter could not read the status of; errors map as unreachable",
        );
      throw tavilyToolError(err, answer);
    }
    return response.results.slice(0, args.maxResults).map(toSearchResult);
  },
};

function toSearchResult(r: TavilySearchResponse["results"][number]): SearchResult {
  return {
    title: r.title ?? "",
    url: r.url,
    content: r.content ?? "",
    score: typeof r.score === "number" ? Math.round(r.score * 10_000) / 10_000 : 0,
    published_date: isoDate(r.publishedDate),
  };
}

/** Tavily gives `published_date` for news results only (in varying formats); ISO or empty. */
function isoDate(value: string | undefined): string {
  if (!value) return "";
  const t = Date.parse(value);
  return Number.isNaN(t) ? "" : new Date(t).toISOString();
}

/** How the SDK words a failure without an HTTP answer (src/search.ts): timeouts and the rest. */
function isTransportFailure(err: unknown): boolean {
  const message = err instanceof Error ? err.message : "";
  return (
    message.startsWith("Request timed out after") ||
    message.startsWith("An unexpected error occurred while making the request.")
  );
}

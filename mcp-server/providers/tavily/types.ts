import type { ToolContext } from "@/mcp-server/catalog/types";

export interface SearchArgs {
  query: string;
  maxResults: number;
  searchDepth: "basic" | "advanced";
  topic: "general" | "news";
  includeDomains: string[];
  excludeDomains: string[];
}

export interface SearchResult {
  title: string;
  url: string;
  content: string;
  score: number;
  /** ISO 8601; empty when the source gives no date. */
  published_date: string;
}

/** The web-search port: `tavily_search` calls `search` and cannot tell which provider ran it. */
export interface TavilyPort {
  search(ctx: ToolContext, args: SearchArgs): Promise<SearchResult[]>;
}

import { z } from "zod";
import { tavilyProvider } from "@/mcp-server/providers/tavily/port";
import { assertValid, checkNotBlank } from "@/mcp-server/providers/validation";
import { annotations, defineTool } from "./define";

const domain = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i)
  .describe("A domain such as example.com (subdomains included).");

export const tavilySearch = defineTool({
  name: "tavily_search",
  title: "Web search",
  description:
    "Search the web (Tavily) and return the most relevant pages, best first, each with title, URL, a content snippet and a relevance score between 0 and 1. Use for product, company, help and news questions.",
  risk: "read",
  annotations: annotations.read(true),
  provider: "tavily",
  inputSchema: z.object({
    query: z.string().min(1).max(400).describe("What to search for, in natural language."),
    max_results: z
      .int()
      .min(1)
      .max(20)
      .optional()
      .describe("How many results to return (1-20, default 5)."),
    search_depth: z
      .enum(["basic", "advanced"])
      .optional()
      .describe("'advanced' returns longer snippets (default 'basic')."),
    topic: z
      .enum(["general", "news"])
      .optional()
      .describe("'news' searches news articles only (default 'general')."),
    include_domains: z
      .array(domain)
      .max(20)
      .optional()
      .describe("Only return results from these domains."),
    exclude_domains: z
      .array(domain)
      .max(20)
      .optional()
      .describe("Never return results from these domains."),
  }),
  outputSchema: z.object({
    query: z.string(),
    results: z.array(
      z.object({
        title: z.string(),
        url: z.string(),
        content: z.string(),
        score: z.number(),
        published_date: z
          .string()
          .describe("Publication date (ISO 8601); empty when the source gives none."),
      }),
    ),
    response_time: z.number().describe("Seconds the search took."),
  }),
  async run(input, ctx) {
    assertValid([checkNotBlank(input.query, "query")]);
    const started = performance.now();
    const results = await tavilyProvider().search(ctx, {
      query: input.query,
      maxResults: input.max_results ?? 5,
      searchDepth: input.search_depth ?? "basic",
      topic: input.topic ?? "general",
      includeDomains: input.include_domains ?? [],
      excludeDomains: input.exclude_domains ?? [],
    });
    return {
      query: input.query,
      results,
      response_time: Math.round(performance.now() - started) / 1000,
    };
  },
});

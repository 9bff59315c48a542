import { describe, expect, it } from "vitest";
import { tavilySearch } from "@/mcp-server/catalog/tools/tavily-search";
import { searchCorpus } from "@/mcp-server/providers/sandbox/search-corpus";
import { ctx, principal, toolError, setupMemoryDb } from "./helpers";

setupMemoryDb();

describe("tavily_search", () => {
  it("ranks the most relevant documents first, with title, url, snippet and score", async () => {
    const p = principal("search");
    const out = await tavilySearch.run(
      { query: "how do I charge an electric car at home" },
      ctx(p),
    );
    expect(out.query).toBe("how do I charge an electric car at home");
    expect(out.results.length).toBeGreaterThan(1);
    expect(out.results.length).toBeLessThanOrEqual(5);
    expect(out.results[0]!.url).toBe("https://contoso-motors.example/electric/home-charging");
    for (const r of out.results) {
      expect(r.title).not.toBe("");
      expect(r.content.length).toBeGreaterThan(20);
      expect(r.score).toBeGreaterThan(0);
      expect(r.score).toBeLessThan(1);
    }
    const scores = out.results.map((r) => r.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it("honours max_results, topic and domain filters", async () => {
    const p = principal("search2");
    const three = await tavilySearch.run(
      { query: "electric car range charging", max_results: 3 },
      ctx(p),
    );
    expect(three.results).toHaveLength(3);
    const news = await tavilySearch.run(
      { query: "Contoso Motors", topic: "news", max_results: 20 },
      ctx(p),
    );
    const newsUrls = new Set(searchCorpus.filter((d) => d.topic === "news").map((d) => d.url));
    expect(news.results.length).toBeGreaterThan(0);
    for (const r of news.results) expect(newsUrls.has(r.url)).toBe(true);
    const excluded = await tavilySearch.run(
      { query: "Contoso Motors", exclude_domains: ["contoso-motors.example"] },
      ctx(p),
    );
    expect(excluded.results).toHaveLength(0);
    const included = await tavilySearch.run(
      { query: "warranty", include_domains: ["contoso-motors.example"] },
      ctx(p),
    );
    expect(included.results[0]!.title).toBe("Approved used warranty");
    const advanced = await tavilySearch.run(
      { query: "warranty", search_depth: "advanced", max_results: 1 },
      ctx(p),
    );
    const body = searchCorpus.find((d) => d.url === advanced.results[0]!.url)!.body;
    expect(advanced.results[0]!.content).toBe(body);
    expect(included.results[0]!.content.length).toBeLessThan(body.length);
  });

  it("returns nothing for words absent from the corpus, and refuses a blank or overlong query", async () => {
    const p = principal("search3");
    expect((await tavilySearch.run({ query: "zzqxv flurbage" }, ctx(p))).results).toEqual([]);
    expect((await toolError(tavilySearch, { query: "   " }, ctx(p))).code).toBe(
      "invalid_arguments",
    );
    expect((await toolError(tavilySearch, { query: "x".repeat(401) }, ctx(p))).code).toBe(
      "invalid_arguments",
    );
    expect((await toolError(tavilySearch, { query: "cars", max_results: 0 }, ctx(p))).code).toBe(
      "invalid_arguments",
    );
  });

  it("needs no per-user connection", async () => {
    const out = await tavilySearch.run({ query: "MOT test" }, ctx(principal("fresh")));
    expect(out.results[0]!.title).toContain("MOT");
  });

  it("bundles a corpus of 30+ documents with unique ids and urls", () => {
    expect(searchCorpus.length).toBeGreaterThanOrEqual(30);
    expect(new Set(searchCorpus.map((d) => d.id)).size).toBe(searchCorpus.length);
    expect(new Set(searchCorpus.map((d) => d.url)).size).toBe(searchCorpus.length);
  });
});

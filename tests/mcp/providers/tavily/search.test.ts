import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import axios from "axios";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { providerSessions } from "@/lib/db/schema";
import { tavilySearch } from "@/mcp-server/catalog/tools/tavily-search";
import { executeTool } from "@/mcp-server/execute";
import { resetBreakers } from "@/mcp-server/resilience";
import { ctx, principal, setupMemoryDb, toolError } from "../../tools/helpers";
import { callThroughPipeline, captureLogs, errorBodyOf, setEnv } from "../helpers";

/**
 * The live Tavily adapter against a fake of api.tavily.com (msw intercepts the SDK's real HTTPS
 * request; anything else is an error). Answers are Tavily's documented search response and its
 * documented errors, `{ detail: { error } }` with 400, 401, 429, 432, 433 and 5xx.
 */
const API_KEY = `tvly-${randomBytes(16).toString("hex")}`;
const liveEnv = { TAVILY_PROVIDER: "live", TAVILY_API_KEY: API_KEY };

interface Seen {
  method: string;
  url: URL;
  headers: Headers;
  body: Record<string, unknown>;
}
const seen: Seen[] = [];
let reply: (body: Record<string, unknown>) => Response;

const results = [
  {
    title: "Home charging for your electric car",
    url: "https://contoso-motors.example/electric/home-charging",
    content: "A 7 kW wall box charges most cars overnight.",
    score: 0.81025416,
    raw_content: null,
    favicon: "https://contoso-motors.example/favicon.ico",
  },
  {
    title: "Contoso opens 40 new fast chargers",
    url: "https://news.contoso.example/2025/chargers",
    content: "The network now covers every motorway services.",
    score: 0.5,
    raw_content: null,
    published_date: "Wed, 12 Mar 2025 16:58:43 GMT",
  },
];

/** Tavily's documented 200 answer to POST /search. */
function found(body: Record<string, unknown>, list = results): Response {
  return HttpResponse.json({
    query: body.query,
    answer: null,
    images: [],
    results: list,
    response_time: "1.67",
    request_id: "123e4567-e89b-12d3-a456-426614174111",
  });
}

function tavilyError(status: number, error: string, headers: Record<string, string> = {}) {
  return HttpResponse.json({ detail: { error } }, { status, headers });
}

const server = setupServer(
  http.post("https://api.tavily.com/search", async ({ request }) => {
    const body = (await request.json()) as Record<string, unknown>;
    seen.push({
      method: request.method,
      url: new URL(request.url),
      headers: request.headers,
      body,
    });
    return reply(body);
  }),
);

const db = setupMemoryDb();

beforeAll(() => {
  server.listen({ onUnhandledRequest: "error" });
  setEnv(liveEnv);
});
beforeEach(() => {
  seen.length = 0;
  reply = (body) => found(body);
  resetBreakers();
});
afterEach(() => setEnv(liveEnv));
afterAll(() => {
  server.close();
  setEnv({ TAVILY_PROVIDER: undefined, TAVILY_API_KEY: undefined });
});

describe("tavily_search (live)", () => {
  it("posts_the_documented_json_with_the_key_as_a_bearer_token", async () => {
    const p = principal("search");
    await tavilySearch.run({ query: "home charging an electric car" }, ctx(p));
    expect(seen).toHaveLength(1);
    const req = seen[0]!;
    expect(req.method).toBe("POST");
    expect(req.url.href).toBe("https://api.tavily.com/search");
    expect(req.headers.get("authorization")).toBe(`Bearer ${API_KEY}`);
    expect(req.headers.get("content-type")).toBe("application/json");
    // The tool's defaults, and nothing the tool did not ask for (no answer, raw content, images).
    expect(req.body).toEqual({
      query: "home charging an electric car",
      search_depth: "basic",
      topic: "general",
      max_results: 5,
    });
    // The key travels only in the header.
    expect(JSON.stringify(req.body)).not.toContain(API_KEY);
  });

  it("maps_depth_topic_max_results_and_domains", async () => {
    const p = principal("search2");
    await tavilySearch.run(
      {
        query: "Contoso chargers",
        search_depth: "advanced",
        topic: "news",
        max_results: 12,
        include_domains: ["contoso-motors.example", "news.contoso.example"],
        exclude_domains: ["spam.example"],
      },
      ctx(p),
    );
    expect(seen[0]!.body).toEqual({
      query: "Contoso chargers",
      search_depth: "advanced",
      topic: "news",
      max_results: 12,
      include_domains: ["contoso-motors.example", "news.contoso.example"],
      exclude_domains: ["spam.example"],
    });
  });

  it("maps_the_results_onto_the_tool_output", async () => {
    const p = principal("search3");
    const out = await tavilySearch.run({ query: "charging" }, ctx(p));
    expect(out.query).toBe("charging");
    expect(typeof out.response_time).toBe("number");
    expect(out.results).toEqual([
      {
        title: "Home charging for your electric car",
        url: "https://contoso-motors.example/electric/home-charging",
        content: "A 7 kW wall box charges most cars overnight.",
        score: 0.8103,
        published_date: "",
      },
      {
        title: "Contoso opens 40 new fast chargers",
        url: "https://news.contoso.example/2025/chargers",
        content: "The network now covers every motorway services.",
        score: 0.5,
        published_date: "2025-03-12T16:58:43.000Z",
      },
    ]);
  });

  it("needs_no_connection_and_no_provider_session", async () => {
    const p = principal("nocon");
    const out = await tavilySearch.run({ query: "charging" }, ctx(p));
    expect(out.results).toHaveLength(2);
    const sessions = await db
      .handle()
      .db.select()
      .from(providerSessions)
      .where(eq(providerSessions.userId, p.userId));
    expect(sessions).toEqual([]);
  });

  it("refuses_a_blank_query_without_calling_tavily", async () => {
    const err = await toolError(tavilySearch, { query: "   " }, ctx(principal("blank")));
    expect(err.code).toBe("invalid_arguments");
    expect(seen).toHaveLength(0);
  });

  it("maps_400_to_invalid_arguments_with_tavilys_reason", async () => {
    reply = () => tavilyError(400, "Invalid topic. Must be 'general' or 'news'.");
    const err = await toolError(tavilySearch, { query: "x" }, ctx(principal("e400")));
    expect(err.code).toBe("invalid_arguments");
    expect(err.message).toContain("Invalid topic");
  });

  it.each([401, 403])("maps_%i_to_a_non_retriable_configuration_error", async (status) => {
    reply = () => tavilyError(status, "Unauthorized: missing or invalid API key.");
    const err = await toolError(tavilySearch, { query: "x" }, ctx(principal(`e${status}`)));
    expect(err.code).toBe("provider_error");
    expect(err.details).toMatchObject({ retriable: false, provider: "tavily" });
    expect(err.message).toContain("TAVILY_API_KEY");
    expect(err.message).not.toContain(API_KEY);
  });

  it("maps_429_to_rate_limited_with_retry_after", async () => {
    reply = () =>
      tavilyError(
        429,
        "Your request has been blocked due to excessive requests. Please reduce rate of requests.",
        { "retry-after": "42" },
      );
    const err = await toolError(tavilySearch, { query: "x" }, ctx(principal("e429")));
    expect(err.code).toBe("rate_limited");
    expect(err.details).toMatchObject({ retryAfterSeconds: 42, retriable: true });
  });

  it("maps_429_with_an_http_date_retry_after", async () => {
    const at = new Date(Date.now() + 90_000).toUTCString();
    reply = () => tavilyError(429, "Too many requests", { "retry-after": at });
    const err = await toolError(tavilySearch, { query: "x" }, ctx(principal("e429d")));
    expect(err.details.retryAfterSeconds).toBeGreaterThanOrEqual(85);
    expect(err.details.retryAfterSeconds).toBeLessThanOrEqual(90);
  });

  it.each([
    [
      432,
      "This request exceeds your plan's set usage limit. Please upgrade your plan or contact support@tavily.com",
      /plan limit/,
    ],
    [
      433,
      "This request exceeds the pay-as-you-go limit. You can increase your limit on the Tavily dashboard",
      /pay-as-you-go limit/,
    ],
  ])("maps_usage_limit_%i_to_a_non_retriable_provider_error", async (status, error, wording) => {
    reply = () => tavilyError(status, error);
    const err = await toolError(tavilySearch, { query: "x" }, ctx(principal(`e${status}`)));
    expect(err.code).toBe("provider_error");
    expect(err.details).toMatchObject({ retriable: false, provider: "tavily" });
    expect(err.message).toMatch(wording);
    expect(err.message).toMatch(/Tavily dashboard/);
  });

  it.each([500, 502])("maps_%i_to_a_retriable_provider_error", async (status) => {
    reply = () => tavilyError(status, "Internal Server Error");
    const err = await toolError(tavilySearch, { query: "x" }, ctx(principal(`e${status}`)));
    expect(err.code).toBe("provider_error");
    expect(err.details).toMatchObject({ retriable: true, provider: "tavily" });
  });

  it("maps_a_network_failure_to_a_retriable_provider_error", async () => {
    reply = () => HttpResponse.error();
    const err = await toolError(tavilySearch, { query: "x" }, ctx(principal("net")));
    expect(err.code).toBe("provider_error");
    expect(err.details.retriable).toBe(true);
  });

  it("the_pipeline_retries_a_5xx_once_because_search_is_read_only_but_never_a_bad_key", async () => {
    const p = principal("retry");
    const run = () =>
      executeTool(
        tavilySearch,
        { query: "charging" },
        { principal: p, correlationId: "c0ffee00c0ffee00c0ffee00c0ffee00", timeoutMs: 10_000 },
      );
    let n = 0;
    reply = (body) => (++n === 1 ? tavilyError(503, "Service Unavailable") : found(body));
    expect((await run()).result.isError).toBeFalsy();
    expect(seen).toHaveLength(2);

    seen.length = 0;
    reply = () => tavilyError(401, "Unauthorized: missing or invalid API key.");
    expect(errorBodyOf((await run()).result)).toMatchObject({
      code: "provider_error",
      retriable: false,
    });
    expect(seen).toHaveLength(1);
  });
});

describe("the status interceptor", () => {
  it("warns_when_the_sdk_reports_an_http_failure_whose_status_it_did_not_see", async () => {
    // What a second copy of axios under the SDK would look like: no interceptor sees its answers.
    const flag = Symbol.for("foundry-agent-chat.tavily-answer-interceptor");
    const holder = axios as unknown as Record<symbol, unknown>;
    axios.interceptors.response.clear();
    holder[flag] = true;
    const capture = captureLogs();
    try {
      reply = () => tavilyError(401, "Unauthorized: missing or invalid API key.");
      const err = await toolError(tavilySearch, { query: "x" }, ctx(principal("lost")));
      expect(err.details.retriable).toBe(true); // degraded: read as "no answer"
      expect(capture.lines.filter((l) => l.includes("could not read the status"))).toHaveLength(1);

      reply = () => HttpResponse.error(); // a real transport failure is no reason to warn
      await toolError(tavilySearch, { query: "x" }, ctx(principal("lost2")));
      expect(capture.lines.filter((l) => l.includes("could not read the status"))).toHaveLength(1);
    } finally {
      capture.restore();
      delete holder[flag]; // the next call installs it again
    }
    reply = () => tavilyError(401, "Unauthorized: missing or invalid API key.");
    const err = await toolError(tavilySearch, { query: "x" }, ctx(principal("back")));
    expect(err.details.retriable).toBe(false);
  });
});

describe("logs (live Tavily)", () => {
  it("no_api_key_reaches_the_logs_or_the_result", async () => {
    const p = principal("logs");
    const capture = captureLogs();
    const out: string[] = [];
    try {
      for (const answer of [
        () => tavilyError(401, "Unauthorized: missing or invalid API key."),
        () => tavilyError(432, "This request exceeds your plan's set usage limit."),
        () => tavilyError(500, "Internal Server Error"),
        () => HttpResponse.error(),
      ]) {
        reply = answer;
        const correlationId = randomBytes(16).toString("hex");
        const result = await callThroughPipeline(
          tavilySearch,
          { query: "charging" },
          p,
          correlationId,
        );
        expect(result.isError).toBe(true);
        out.push(JSON.stringify(result));
        expect(capture.lines.some((l) => l.includes(correlationId))).toBe(true);
      }
    } finally {
      capture.restore();
    }
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect([...capture.lines, ...capture.console, ...out].join("\n")).not.toContain(API_KEY);
  });
});

import { delay, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { outlookSendMail } from "@/mcp-server/catalog/tools/outlook-send-mail";
import { plannerGetTask } from "@/mcp-server/catalog/tools/planner-get-task";
import { executeTool } from "@/mcp-server/execute";
import { retryAfterSeconds } from "@/mcp-server/providers/graph/throttling";
import { connect, ctx, setupMemoryDb, toolError } from "../../tools/helpers";
import { empty, entraUser, graphError, graphRequests, json, onGraph, setupLiveGraph } from "./fake";

// A small tool budget, so "a wait longer than the budget" is cheap to show.
const BUDGET_MS = 3000;
setupLiveGraph({ MCP_TOOL_TIMEOUT_MS: String(BUDGET_MS) });
setupMemoryDb();

const ID = "pqrSTU1234567890abcdefghijkl";
const task = {
  "@odata.etag": 'W/"etag-1"',
  id: ID,
  planId: "plan",
  title: "Call back Priya",
  percentComplete: 0,
  priority: 5,
  createdDateTime: "2030-01-01T09:00:00Z",
};
const throttled = (retryAfter: string) =>
  graphError(429, "TooManyRequests", "Too many requests.", { "Retry-After": retryAfter });
const mail = { to: ["ana@example.com"], subject: "Hi", body: "Hello Ana" };

async function connected(name: string) {
  const p = entraUser(name);
  await connect(p, "graph");
  return p;
}

describe("Graph throttling (429/503 with Retry-After)", () => {
  it("a_429_is_retried_after_retry_after_and_the_call_succeeds", async () => {
    const p = await connected("patient");
    onGraph("get", `/planner/tasks/${ID}`, throttled("1"), json(task));
    onGraph("get", `/planner/tasks/${ID}/details`, json({ "@odata.etag": 'W/"d"' }));
    const started = Date.now();
    const got = await plannerGetTask.run({ taskId: ID }, ctx(p));
    expect(got.id).toBe(ID);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    const [first, second] = graphRequests;
    expect(first!.path).toBe(second!.path);
    expect(first!.headers["retry-attempt"]).toBeUndefined();
    expect(second!.headers["retry-attempt"]).toBe("1");
    expect(second!.headers.authorization).toBe(first!.headers.authorization);
  });

  it("a_throttled_write_is_retried_because_graph_did_not_process_it", async () => {
    const p = await connected("writer");
    onGraph("post", "/me/sendMail", throttled("0"), empty(202));
    const out = await outlookSendMail.run(mail, ctx(p));
    expect(out.status).toBe("accepted");
    expect(graphRequests).toHaveLength(2);
    expect(graphRequests[1]!.body).toEqual(graphRequests[0]!.body);
    expect(graphRequests[1]!.headers["retry-attempt"]).toBe("1");
  });

  it("still_throttled_after_three_retries_is_rate_limited_with_the_last_retry_after", async () => {
    const p = await connected("stubborn");
    onGraph(
      "get",
      `/planner/tasks/${ID}`,
      throttled("0"),
      throttled("0"),
      throttled("0"),
      throttled("7"),
    );
    const err = await toolError(plannerGetTask, { taskId: ID }, ctx(p));
    expect(err.code).toBe("rate_limited");
    expect(err.details).toMatchObject({ retryAfterSeconds: 7, retriable: true, provider: "graph" });
    expect(graphRequests).toHaveLength(4);
    expect(graphRequests.map((r) => r.headers["retry-attempt"])).toEqual([
      undefined,
      "1",
      "2",
      "3",
    ]);
  });

  it("a_wait_longer_than_the_tools_budget_is_not_taken", async () => {
    const p = await connected("hurried");
    onGraph("post", "/me/sendMail", throttled("30"), empty(202));
    const started = Date.now();
    const err = await toolError(outlookSendMail, mail, ctx(p));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err.code).toBe("rate_limited");
    expect(err.details.retryAfterSeconds).toBe(30);
    expect(graphRequests).toHaveLength(1);
  });

  it("a_503_with_retry_after_is_throttling_retried_for_writes_and_reported_as_rate_limited", async () => {
    const p = await connected("busy");
    const unavailable = (after: string) =>
      graphError(503, "ServiceUnavailable", "Service unavailable.", { "Retry-After": after });
    onGraph("post", "/me/sendMail", unavailable("0"), empty(202));
    expect((await outlookSendMail.run(mail, ctx(p))).status).toBe("accepted");
    expect(graphRequests).toHaveLength(2);

    graphRequests.length = 0;
    onGraph("post", "/me/sendMail", unavailable("60"));
    const err = await toolError(outlookSendMail, mail, ctx(p));
    expect(err.code).toBe("rate_limited");
    expect(err.details.retryAfterSeconds).toBe(60);
    expect(graphRequests).toHaveLength(1);
  });

  it("a_write_that_timed_out_at_the_gateway_is_not_repeated", async () => {
    const p = await connected("gateway");
    onGraph(
      "post",
      "/me/sendMail",
      graphError(504, "GatewayTimeout", "Gateway timeout."),
      empty(202),
    );
    const err = await toolError(outlookSendMail, mail, ctx(p));
    expect(err.code).toBe("provider_error");
    expect(err.details).toMatchObject({ retriable: true, provider: "graph" });
    expect(graphRequests).toHaveLength(1);

    // A 503 without Retry-After on a write is not throttling: not repeated either.
    graphRequests.length = 0;
    onGraph("post", "/me/sendMail", empty(503), empty(202));
    expect((await toolError(outlookSendMail, mail, ctx(p))).code).toBe("provider_error");
    expect(graphRequests).toHaveLength(1);
  });

  it("the_tools_timeout_cancels_a_slow_graph_call_and_nothing_is_sent_after_it", async () => {
    const p = await connected("slow");
    onGraph("post", "/me/sendMail", async () => {
      await delay(1500);
      return new HttpResponse(null, { status: 202 });
    });
    const run = await executeTool(outlookSendMail, mail, {
      principal: p,
      correlationId: "0af7651916cd43dd8448eb211c80319c",
      timeoutMs: 400,
    });
    expect(run.result.isError).toBe(true);
    const body = JSON.parse((run.result.content[0] as { text: string }).text) as {
      code: string;
      message: string;
      retriable: boolean;
    };
    expect(body.code).toBe("timeout");
    expect(body.message).toMatch(/may still have happened/);
    await delay(1500);
    expect(graphRequests).toHaveLength(1);
  });

  it("retry_after_is_read_as_seconds_or_an_http_date", () => {
    expect(retryAfterSeconds("12")).toBe(12);
    expect(retryAfterSeconds("0")).toBe(0);
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    expect(retryAfterSeconds(inTenSeconds)).toBeGreaterThanOrEqual(9);
    expect(retryAfterSeconds(inTenSeconds)).toBeLessThanOrEqual(11);
    expect(retryAfterSeconds("soon")).toBeUndefined();
    expect(retryAfterSeconds(null)).toBeUndefined();
  });
});

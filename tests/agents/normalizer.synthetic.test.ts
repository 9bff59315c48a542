import { describe, expect, it } from "vitest";
import {
  finishNormalizer,
  initialNormalizerState,
  normalizeResponse,
  normalizeResponseDetailed,
  normalizeStreamEvent,
} from "@/lib/agents/normalizer";
import { dataOf, expectValidDrafts, runStream, typesOf } from "../chat/helpers/normalizer";

type Item = Record<string, unknown>;
let seq = 0;
const ev = (type: string, fields: Item = {}): Item => ({ type, sequence_number: seq++, ...fields });
const created = (id = "resp_1") =>
  ev("response.created", { response: { id, status: "in_progress", output: [] } });
const added = (item: Item) => ev("response.output_item.added", { item });
const done = (item: Item) => ev("response.output_item.done", { item });
const completed = (output: Item[], id = "resp_1") =>
  ev("response.completed", { response: { id, status: "completed", output } });
const response = (status: string, output: Item[], extra: Item = {}): Item => ({
  id: "resp_x",
  status,
  output,
  ...extra,
});

const mcpCall = (fields: Item = {}): Item => ({
  type: "mcp_call",
  id: "mcp_1",
  server_label: "sandbox",
  name: "send_sms",
  arguments: '{"to":"+15550100"}',
  created_by: { agent: { name: "a" } },
  response_id: "resp_1",
  ...fields,
});

describe("mcp_call errors", () => {
  const failedWith = (error: unknown) => {
    const drafts = normalizeResponse(response("completed", [mcpCall({ status: "failed", error })]));
    expectValidDrafts(drafts);
    expect(typesOf(drafts)).toEqual(["tool.call.failed", "run.completed"]);
    return dataOf(drafts, "tool.call.failed")[0]!;
  };

  it("keeps a string error as is", () => {
    expect(failedWith("Rate limited, try later")).toEqual({
      callId: "mcp_1",
      kind: "mcp",
      name: "send_sms",
      serverLabel: "sandbox",
      arguments: '{"to":"+15550100"}',
      error: "Rate limited, try later",
    });
  });

  it("describes OpenAI's error objects", () => {
    expect(failedWith({ type: "http_error", code: 404, message: "Not Found" }).error).toBe(
      "HTTP 404: Not Found",
    );
    expect(
      failedWith({ type: "mcp_protocol_error", code: -32602, message: "Invalid params" }).error,
    ).toBe("MCP error -32602: Invalid params");
    expect(
      failedWith({
        type: "mcp_tool_execution_error",
        content: [{ type: "text", text: "quota exceeded" }],
      }).error,
    ).toBe("quota exceeded");
  });

  it("uses message of other objects, else their JSON", () => {
    expect(failedWith({ code: "denied", message: "Not allowed" }).error).toBe("Not allowed");
    expect(failedWith({ detail: { reason: 7 } }).error).toBe('{"detail":{"reason":7}}');
  });

  it("fails a streamed call on its done item carrying an error object", () => {
    seq = 0;
    const run = runStream([
      created(),
      added(mcpCall({ status: "in_progress", arguments: "" })),
      ev("response.mcp_call_arguments.done", { item_id: "mcp_1", arguments: '{"to":"+15550100"}' }),
      ev("response.mcp_call.failed", { item_id: "mcp_1" }),
      done(
        mcpCall({
          status: "failed",
          error: { type: "http_error", code: 500, message: "Upstream down" },
        }),
      ),
      completed([]),
    ]);
    expect(typesOf(run.events)).toEqual(["tool.call.started", "tool.call.failed", "run.completed"]);
    expect(dataOf(run.events, "tool.call.started")[0]).not.toHaveProperty("arguments");
    expect(dataOf(run.events, "tool.call.failed")[0]).toMatchObject({
      error: "HTTP 500: Upstream down",
    });
  });
});

describe("oauth consent", () => {
  const consentItem = (link: unknown): Item => ({
    type: "oauth_consent_request",
    id: "oauthreq_1",
    consent_link: link,
    server_label: "github",
    agent_reference: { type: "agent_reference", name: "a" },
  });

  const consentLinks = { origins: ["https://login.example.com"] };

  it("asks for consent with an allowed https link and pauses the run", () => {
    seq = 0;
    const link = "https://login.example.com/consent?state=abc";
    const run = runStream(
      [
        created(),
        added(consentItem(link)),
        done(consentItem(link)),
        completed([consentItem(link)]),
      ],
      { finish: true, from: initialNormalizerState({ consentLinks }) },
    );
    expect(run.events).toEqual([
      { type: "consent.requested", data: { consentId: "oauthreq_1", serverLabel: "github", link } },
    ]);
    expect(run.state.awaiting).toBe("consent");
    expect(run.state.pendingConsentIds).toEqual(["oauthreq_1"]);
  });

  it("finds it in a non-streaming response too", () => {
    const detailed = normalizeResponseDetailed(
      response("completed", [consentItem("https://login.example.com/c")]),
      { consentLinks },
    );
    expect(typesOf(detailed.events)).toEqual(["consent.requested"]);
    expect(detailed.state.awaiting).toBe("consent");
  });

  it.each([
    ["http", "http://login.example.com/consent?code=secret"],
    ["javascript", "javascript:alert(document.cookie)"],
    ["relative", "/consent?code=secret"],
  ])("refuses a %s link: one run.failed, the link nowhere in the events", (_, link) => {
    seq = 0;
    const run = runStream([created(), done(consentItem(link)), completed([consentItem(link)])], {
      finish: true,
      from: initialNormalizerState({ consentLinks }),
    });
    expect(typesOf(run.events)).toEqual(["run.failed"]);
    expect(run.events[0]!.data).toMatchObject({ code: "consent_link_not_https", retriable: false });
    expect(JSON.stringify(run.events)).not.toContain("secret");
    expect(JSON.stringify(run.events)).not.toContain("javascript");
    expect(run.state.awaiting).toBeNull();
  });

  it("fails a consent request without a link", () => {
    const drafts = normalizeResponse(response("completed", [consentItem(undefined)]));
    expect(typesOf(drafts)).toEqual(["run.failed"]);
    expect(drafts[0]!.data).toMatchObject({ code: "consent_link_missing" });
  });
});

describe("tool kinds", () => {
  it("maps each tool item type to its kind, name and arguments", () => {
    const drafts = normalizeResponse(
      response("completed", [
        {
          type: "function_call",
          id: "fc_1",
          call_id: "call_1",
          name: "get_time",
          arguments: '{"tz":"UTC"}',
          status: "completed",
        },
        {
          type: "web_search_call",
          id: "ws_1",
          status: "completed",
          action: { type: "search", query: "weather" },
        },
        {
          type: "code_interpreter_call",
          id: "ci_1",
          status: "completed",
          code: "print(1+1)",
          outputs: [{ type: "logs", logs: "2" }],
        },
        {
          type: "openapi_call",
          id: "oa_1",
          name: "get_weather",
          arguments: "{}",
          output: "sunny",
          status: "completed",
        },
        { type: "bing_grounding_call", id: "bg_1", status: "completed" },
      ]),
    );
    expectValidDrafts(drafts);
    // The function call's result would come as a separate function_call_output: without one,
    // it completes with the response (last), having started like any call still at work.
    expect(dataOf(drafts, "tool.call.started")).toEqual([
      { callId: "fc_1", kind: "function", name: "get_time", arguments: '{"tz":"UTC"}' },
    ]);
    expect(dataOf(drafts, "tool.call.completed")).toEqual([
      {
        callId: "ws_1",
        kind: "web_search",
        name: "web_search",
        arguments: '{"type":"search","query":"weather"}',
      },
      {
        callId: "ci_1",
        kind: "code_interpreter",
        name: "code_interpreter",
        arguments: "print(1+1)",
        output: "2",
      },
      { callId: "oa_1", kind: "openapi", name: "get_weather", arguments: "{}", output: "sunny" },
      { callId: "bg_1", kind: "other", name: "bing_grounding" },
      { callId: "fc_1", kind: "function", name: "get_time", arguments: '{"tz":"UTC"}' },
    ]);
  });

  it("starts a call that a non-streaming (background) response shows still running", () => {
    const drafts = normalizeResponse(
      response("in_progress", [{ type: "web_search_call", id: "ws_1", status: "searching" }]),
    );
    expect(typesOf(drafts)).toEqual(["tool.call.started"]);
  });

  it("fails only the interrupted call of a failed response", () => {
    const drafts = normalizeResponse(
      response(
        "failed",
        [
          mcpCall({ id: "mcp_ok", status: "completed", output: "sent" }),
          mcpCall({ id: "mcp_broken", status: "completed" }),
        ],
        { error: { code: "server_error", message: "Something broke" } },
      ),
    );
    expect(typesOf(drafts)).toEqual(["tool.call.completed", "tool.call.failed", "run.failed"]);
    expect(dataOf(drafts, "tool.call.failed")[0]).toMatchObject({
      callId: "mcp_broken",
      error: "Something broke",
    });
    expect(dataOf(drafts, "run.failed")[0]).toEqual({
      code: "server_error",
      message: "Something broke",
      retriable: true,
    });
  });
});

describe("text", () => {
  it("gives each text.done the whole text of a multi-part message", () => {
    seq = 0;
    const part = (content_index: number, text: string) =>
      ev("response.output_text.done", { item_id: "msg_1", content_index, text });
    const run = runStream([
      created(),
      ev("response.output_text.delta", { item_id: "msg_1", content_index: 0, delta: "Hello" }),
      part(0, "Hello"),
      ev("response.output_text.delta", { item_id: "msg_1", content_index: 1, delta: " world" }),
      part(1, " world"),
      done({
        type: "message",
        id: "msg_1",
        content: [
          { type: "output_text", text: "Hello" },
          { type: "output_text", text: " world" },
        ],
      }),
      completed([]),
    ]);
    expect(dataOf(run.events, "text.done")).toEqual([
      { itemId: "msg_1", text: "Hello" },
      { itemId: "msg_1", text: "Hello world" },
    ]);
  });

  it("emits text.done from the done message when output_text.done never came", () => {
    seq = 0;
    const run = runStream([
      created(),
      ev("response.output_text.delta", { item_id: "msg_1", delta: "Hi" }),
      done({ type: "message", id: "msg_1", content: [{ type: "output_text", text: "Hi" }] }),
      completed([{ type: "message", id: "msg_1", content: [{ type: "output_text", text: "Hi" }] }]),
    ]);
    expect(typesOf(run.events)).toEqual(["text.delta", "text.done", "run.completed"]);
  });

  it("shows a refusal as text", () => {
    const drafts = normalizeResponse(
      response("completed", [
        {
          type: "message",
          id: "msg_1",
          content: [{ type: "refusal", refusal: "I can't help with that." }],
        },
      ]),
    );
    expect(dataOf(drafts, "text.done")).toEqual([
      { itemId: "msg_1", text: "I can't help with that." },
    ]);
  });
});

describe("terminal statuses", () => {
  it("maps response.incomplete to run.failed incomplete with the reason", () => {
    seq = 0;
    const run = runStream([
      created(),
      ev("response.incomplete", {
        response: {
          id: "resp_1",
          status: "incomplete",
          incomplete_details: { reason: "max_output_tokens" },
          output: [],
        },
      }),
    ]);
    expect(run.events).toEqual([
      {
        type: "run.failed",
        data: {
          code: "incomplete",
          message: "The answer was cut short (max output tokens).",
          retriable: false,
        },
      },
    ]);
  });

  it("maps cancellation to run.cancelled, failing a running call", () => {
    seq = 0;
    const run = runStream([
      created(),
      added(mcpCall({ status: "in_progress" })),
      ev("response.cancelled", { response: { id: "resp_1", status: "cancelled" } }),
    ]);
    expect(typesOf(run.events)).toEqual(["tool.call.started", "tool.call.failed", "run.cancelled"]);
    expect(typesOf(normalizeResponse(response("cancelled", [])))).toEqual(["run.cancelled"]);
  });

  it("produces exactly one terminal event; later frames are ignored", () => {
    seq = 0;
    const run = runStream(
      [
        created(),
        ev("error", {
          error: { type: "server_error", code: "server_error", message: "boom", param: null },
        }),
        ev("response.failed", {
          response: {
            id: "resp_1",
            status: "failed",
            error: { code: "server_error", message: "boom" },
          },
        }),
        completed([]),
        ev("response.output_text.delta", { item_id: "m", delta: "late" }),
      ],
      { finish: true },
    );
    expect(run.events).toEqual([
      { type: "run.failed", data: { code: "server_error", message: "boom", retriable: true } },
    ]);
  });
});

describe("robustness", () => {
  it("ignores unknown event types without changing anything but the sequence", () => {
    seq = 0;
    const start = runStream([created()]).state;
    const result = normalizeStreamEvent(
      start,
      ev("response.brand_new_feature.delta", { item_id: "x", delta: "?" }),
    );
    expect(result.events).toEqual([]);
    expect({ ...result.state, lastSequence: start.lastSequence }).toEqual(start);
  });

  it("ignores garbage without throwing", () => {
    const garbage: unknown[] = [
      null,
      undefined,
      42,
      "event: error",
      [],
      { type: 5 },
      { type: "response.output_item.added", item: "not an item" },
      { type: "response.output_item.done", item: { type: "mcp_call" } },
      {
        type: "response.output_item.done",
        item: { type: "mcp_list_tools", id: "l1", tools: "nope" },
      },
      { type: "response.output_text.delta", item_id: 7, delta: null },
      { type: "response.output_text.done", item_id: "m", content_index: -1, text: "x" },
      { type: "error", error: "not an object" },
      { type: "response.output_item.done", item: { type: "mcp_approval_request" } },
    ];
    const run = runStream(garbage);
    expect(run.events).toEqual([]);
    expect(run.state.ended).toBe(false);
  });

  it("fails a garbage non-streaming response instead of crashing or hanging", () => {
    for (const value of [null, "oops", 3, [1, 2]]) {
      const drafts = normalizeResponse(value);
      expect(typesOf(drafts)).toEqual(["run.failed"]);
      expect(drafts[0]!.data).toMatchObject({ code: "invalid_response" });
    }
  });

  it("ends a stream that stopped without a terminal event as stream_ended, once", () => {
    seq = 0;
    const run = runStream([
      created(),
      ev("response.output_text.delta", { item_id: "m", delta: "Hel" }),
    ]);
    const drafts = finishNormalizer(run.state);
    expect(drafts).toEqual([
      {
        type: "run.failed",
        data: expect.objectContaining({ code: "stream_ended", retriable: true }),
      },
    ]);
    for (const networkError of [
      new TypeError("fetch failed"),
      Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
    ]) {
      expect(finishNormalizer(initialNormalizerState(), networkError)[0]!.data).toMatchObject({
        code: "stream_ended",
      });
    }
    const rateLimited = Object.assign(new Error("429 Too many requests"), {
      status: 429,
      code: "rate_limit_exceeded",
    });
    expect(finishNormalizer(initialNormalizerState(), rateLimited)[0]!.data).toMatchObject({
      code: "rate_limit_exceeded",
      retriable: true,
    });
  });
});

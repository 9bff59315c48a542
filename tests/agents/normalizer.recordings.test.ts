import { describe, expect, it } from "vitest";
import {
  finishNormalizer,
  normalizeResponse,
  normalizeResponseDetailed,
} from "@/lib/agents/normalizer";
import {
  asStream,
  dataOf,
  expectValidDrafts,
  runStream,
  typesOf,
} from "../chat/helpers/normalizer";
import {
  loadRecording,
  recordingNames,
  responsesOf,
  sseFramesOf,
  type RecordingEntry,
} from "../helpers/recordings";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const FILE_SEARCH =
  "agents__file_search__execution_flow__recording_should_handle_file_search_query_with_streaming_response";
const OPENAPI =
  "agents__openapi_tool_anonymous_auth__recording_should_create_agent_with_openapi_tool_and_stream_response";
const MCP_APPROVAL =
  "agents__mcp_tool__recording_should_create_agent_with_mcp_tool_and_handle_approval_workflow";
const MCP_CONNECTION =
  "agents__mcp_tool__recording_should_create_agent_with_mcp_tool_using_project_connection_authentication";
const CONVERSATION =
  "agents__conversation_flow__recording_should_create_agent_generate_responses_in_conversation_and_clean_up";

const upstream = (entry: RecordingEntry) => sseFramesOf(entry).map((f) => f.data);
const body = (entry: RecordingEntry) => entry.ResponseBody as Json;
const responses = (name: string) => responsesOf(loadRecording(name));

describe("the recordings", () => {
  it("are all covered by this file", () => {
    expect(recordingNames()).toEqual(
      [CONVERSATION, FILE_SEARCH, MCP_APPROVAL, MCP_CONNECTION, OPENAPI].sort(),
    );
  });

  it("stream with a sequence_number on every frame and no [DONE]", () => {
    for (const name of [FILE_SEARCH, OPENAPI]) {
      const frames = sseFramesOf(responses(name)[0]!);
      expect(frames.map((f) => (f.data as Json).sequence_number)).toEqual(frames.map((_, i) => i));
      expect(frames.every((f) => f.event === (f.data as Json).type)).toBe(true);
    }
  });
});

describe("file search (streaming)", () => {
  const [entry] = responses(FILE_SEARCH);
  const run = runStream(upstream(entry!), { finish: true });
  const fsId = "fs_03755973f511778a0069a88ae07758819689190880e99b1a85";
  const msgId = "msg_03755973f511778a0069a88af939848196852cc007cb61a0f9";
  const answer = "The Contoso Laptop Pro 15 is priced at **$1,299** .";
  // The service stripped its marker, leaving a file_citation at index 50: our reference goes there.
  const cited = "The Contoso Laptop Pro 15 is priced at **$1,299**[1].";
  const citations = [
    {
      kind: "file",
      title: "product_info.md",
      fileId: "assistant-9nuuo4DZDcrGegVG6BwLe2",
      filename: "product_info.md",
      startIndex: 49,
      endIndex: 52,
    },
  ];

  it("produces the exact event sequence", () => {
    expect(typesOf(run.events)).toEqual([
      "tool.call.started",
      "tool.call.completed",
      ...Array<string>(18).fill("text.delta"),
      "text.done",
      "run.completed",
    ]);
  });

  it("reports the file search call with its queries", () => {
    expect(dataOf(run.events, "tool.call.started")).toEqual([
      { callId: fsId, kind: "file_search", name: "file_search" },
    ]);
    const [completed] = dataOf(run.events, "tool.call.completed");
    expect(completed).toMatchObject({ callId: fsId, kind: "file_search", name: "file_search" });
    expect(JSON.parse(completed!.arguments!)).toEqual({
      queries: [
        "What is the price of the Contoso Laptop Pro 15?",
        "Contoso Laptop Pro 15 price",
        "Contoso Laptop Pro 15 MSRP cost",
      ],
    });
  });

  it("streams text whose deltas add up to text.done", () => {
    const deltas = dataOf(run.events, "text.delta");
    expect(deltas.every((d) => d.itemId === msgId)).toBe(true);
    expect(deltas.map((d) => d.delta).join("")).toBe(answer);
    expect(dataOf(run.events, "text.done")).toEqual([{ itemId: msgId, text: cited, citations }]);
  });

  it("completes with the response id and mapped usage, and nothing more at the end", () => {
    expect(dataOf(run.events, "run.completed")).toEqual([
      {
        responseId: "resp_03755973f511778a0069a88ac583c88196bfc1983960483d9d",
        usage: { inputTokens: 2213, outputTokens: 81, totalTokens: 2294 },
      },
    ]);
    expect(run.state.awaiting).toBeNull();
    expect(finishNormalizer(run.state)).toEqual([]);
  });

  it("ignores frames delivered twice (sequence_number)", () => {
    const frames = upstream(entry!);
    const doubled = frames.flatMap((f, i) => (i % 3 === 0 ? [f, f] : [f]));
    expect(runStream(doubled).events).toEqual(run.events);
  });

  it("maps the terminal response like the stream, without the deltas", () => {
    const final = (upstream(entry!).at(-1) as Json).response;
    expect(typesOf(normalizeResponse(final))).toEqual([
      "tool.call.completed",
      "text.done",
      "run.completed",
    ]);
    expect(dataOf(normalizeResponse(final), "text.done")).toEqual([
      { itemId: msgId, text: cited, citations },
    ]);
  });

  it("fails a stream cut short with a retriable stream_ended", () => {
    const cut = runStream(upstream(entry!).slice(0, 15), { finish: true });
    expect(typesOf(cut.events).at(-1)).toBe("run.failed");
    expect(dataOf(cut.events, "run.failed")).toEqual([
      expect.objectContaining({ code: "stream_ended", retriable: true }),
    ]);
  });

  it("fails the tool call a cut stream left running", () => {
    const cut = runStream(upstream(entry!).slice(0, 4), { finish: true });
    expect(typesOf(cut.events)).toEqual(["tool.call.started", "tool.call.failed", "run.failed"]);
  });
});

describe("openapi tool failing (streaming, error frame before response.failed)", () => {
  const [entry] = responses(OPENAPI);
  const frames = upstream(entry!);
  const run = runStream(frames, { finish: true });
  const callId = "fc_082882755278e1fe0069b9ec2bf74481908045a345cbe3cb49";

  it("starts the call, fails it, then fails the run once", () => {
    expect(typesOf(run.events)).toEqual(["tool.call.started", "tool.call.failed", "run.failed"]);
    expect(dataOf(run.events, "tool.call.started")).toEqual([
      { callId, kind: "openapi", name: "get_weather_GetCurrentWeather" },
    ]);
  });

  it("fails the call with the arguments the failed response carries and a readable error", () => {
    const [failed] = dataOf(run.events, "tool.call.failed");
    expect(failed).toMatchObject({
      callId,
      kind: "openapi",
      name: "get_weather_GetCurrentWeather",
    });
    expect(JSON.parse(failed!.arguments!)).toEqual({ location: "Seattle", format: "j1" });
    expect(failed!.error).toMatch(/^Validation Error: .*HTTP error 400: Bad Request/);
  });

  it("uses the response's error code, not retriable", () => {
    const [failed] = dataOf(run.events, "run.failed");
    expect(failed).toMatchObject({ code: "tool_user_error", retriable: false });
    expect(failed!.message).toContain("HTTP error 400: Bad Request");
  });

  it("prefers response.error over the error frame", () => {
    const frame = structuredClone(frames[3]) as Json;
    frame.error.code = "frame_code";
    const result = runStream([...frames.slice(0, 3), frame, frames[4]]);
    expect(dataOf(result.events, "run.failed")).toEqual([
      expect.objectContaining({ code: "tool_user_error" }),
    ]);
  });

  it("falls back to the error frame when response.failed has no error", () => {
    const failed = structuredClone(frames[4]) as Json;
    failed.response.error = null;
    const result = runStream([...frames.slice(0, 4), failed]);
    expect(dataOf(result.events, "run.failed")).toEqual([
      expect.objectContaining({ code: "tool_user_error" }),
    ]);
  });

  it("finishes the same way when the client throws at the error frame (stream ends there)", () => {
    const cut = runStream(frames.slice(0, 4), { finish: true });
    expect(typesOf(cut.events)).toEqual(["tool.call.started", "tool.call.failed", "run.failed"]);
    expect(dataOf(cut.events, "run.failed")[0]).toMatchObject({
      code: "tool_user_error",
      retriable: false,
    });
  });

  it("uses what the client threw when the error frame never reached the normalizer", () => {
    const before = runStream(frames.slice(0, 3));
    const thrown = Object.assign(new Error("400 tool failed"), {
      code: "tool_user_error",
      error: (frames[3] as Json).error,
    });
    const drafts = finishNormalizer(before.state, thrown);
    expectValidDrafts(drafts);
    expect(typesOf(drafts)).toEqual(["tool.call.failed", "run.failed"]);
    expect(drafts[1]!.data).toMatchObject({ code: "tool_user_error", retriable: false });
  });

  it("maps the failed Response object the same way when not streaming", () => {
    const drafts = normalizeResponse((frames[4] as Json).response);
    expect(typesOf(drafts)).toEqual(["tool.call.failed", "run.failed"]);
    expect(JSON.parse(dataOf(drafts, "tool.call.failed")[0]!.arguments!)).toEqual({
      location: "Seattle",
      format: "j1",
    });
  });
});

describe("MCP approval workflow (non-streaming)", () => {
  const [first, second] = responses(MCP_APPROVAL);
  const approvalId = "mcpr_e82ab325859709300069b9963667a88190899ccae250a94179";

  it("lists the server's tools and asks for approval, without completing the run", () => {
    const drafts = normalizeResponse(body(first!));
    expectValidDrafts(drafts);
    expect(typesOf(drafts)).toEqual(["tools.listed", "approval.requested"]);
    const [listed] = dataOf(drafts, "tools.listed");
    expect(listed!.serverLabel).toBe("api-specs");
    expect(listed!.tools.map((t) => t.name)).toEqual([
      "fetch_azure_rest_api_docs",
      "search_azure_rest_api_docs",
      "search_azure_rest_api_code",
      "fetch_generic_url_content",
    ]);
    expect(listed!.tools[0]!.description).toMatch(/^Fetch entire documentation/);
    expect(dataOf(drafts, "approval.requested")).toEqual([
      {
        approvalRequestId: approvalId,
        name: "fetch_azure_rest_api_docs",
        serverLabel: "api-specs",
        arguments: "{}",
      },
    ]);
  });

  it("leaves the run awaiting approval", () => {
    const { state } = normalizeResponseDetailed(body(first!));
    expect(state.awaiting).toBe("approval");
    expect(state.pendingApprovalIds).toEqual([approvalId]);
    expect(finishNormalizer(state)).toEqual([]);
  });

  it("after approval: the MCP call with its whole output, the answer, then completion", () => {
    const drafts = normalizeResponse(body(second!));
    expectValidDrafts(drafts);
    expect(typesOf(drafts)).toEqual(["tool.call.completed", "text.done", "run.completed"]);
    const rawCall = body(second!).output[0];
    const [call] = dataOf(drafts, "tool.call.completed");
    expect(call).toEqual({
      callId: "mcp_e82ab325859709300069b9963864b0819097d60eedd96738c6",
      kind: "mcp",
      name: "fetch_azure_rest_api_docs",
      serverLabel: "api-specs",
      arguments: "{}",
      output: rawCall.output,
    });
    expect(call!.output!.length).toBeGreaterThan(80_000);
    const [text] = dataOf(drafts, "text.done");
    expect(text!.text).toMatch(/^The \*\*Azure\/azure-rest-api-specs “Readme”/);
    expect(text!.text).toBe(body(second!).output[1].content[0].text);
    expect(dataOf(drafts, "run.completed")[0]).toEqual({
      responseId: "resp_e82ab325859709300069b99637ff7c8190b7370f2570c84d77",
      usage: { inputTokens: 18483, outputTokens: 592, totalTokens: 19075 },
    });
  });

  it("gives the same events when the two responses arrive as streams through one state", () => {
    const paused = runStream(asStream(body(first!)), { finish: true });
    expect(typesOf(paused.events)).toEqual(["tools.listed", "approval.requested"]);
    expect(paused.state.awaiting).toBe("approval");
    const resumed = runStream(asStream(body(second!)), { from: paused.state, finish: true });
    expect(typesOf(resumed.events)).toEqual([
      "tool.call.started",
      "tool.call.completed",
      "text.done",
      "run.completed",
    ]);
    expect(dataOf(resumed.events, "tool.call.started")[0]).not.toHaveProperty("output");
    expect(resumed.state.awaiting).toBeNull();
  });
});

describe("MCP with project connection auth (non-streaming)", () => {
  const [first, second] = responses(MCP_CONNECTION);

  it("lists 41 GitHub tools and asks to approve get_me", () => {
    const drafts = normalizeResponse(body(first!));
    expect(typesOf(drafts)).toEqual(["tools.listed", "approval.requested"]);
    expect(dataOf(drafts, "tools.listed")[0]!.tools).toHaveLength(41);
    expect(dataOf(drafts, "approval.requested")[0]).toMatchObject({
      name: "get_me",
      arguments: "{}",
    });
  });

  it("completes with the profile and the answer", () => {
    const drafts = normalizeResponse(body(second!));
    expect(typesOf(drafts)).toEqual(["tool.call.completed", "text.done", "run.completed"]);
    expect(JSON.parse(dataOf(drafts, "tool.call.completed")[0]!.output!)).toMatchObject({
      login: "howiefoundry",
    });
    expect(dataOf(drafts, "text.done")[0]!.text).toBe("Your GitHub username is **howiefoundry**.");
  });
});

describe("basic conversation (non-streaming)", () => {
  const [first, second] = responses(CONVERSATION);

  it("maps each message to one text.done and completes", () => {
    const one = normalizeResponse(body(first!));
    expect(typesOf(one)).toEqual(["text.done", "run.completed"]);
    expect(dataOf(one, "text.done")[0]!.text).toMatch(
      /^France has an area of about \*\*212,900 square miles\*\*/,
    );
    expect(dataOf(one, "run.completed")[0]).toEqual({
      responseId: "resp_c2d97b40f30568190069a88a75c1ac81908bb2fdb1eb358b65",
      usage: { inputTokens: 29, outputTokens: 71, totalTokens: 100 },
    });
    expect(normalizeResponse(body(second!))).toEqual([
      {
        type: "text.done",
        data: {
          itemId: "msg_c2d97b40f30568190069a88a83f78c8190b919223499224b61",
          text: "The capital city of France is **Paris**.",
        },
      },
      {
        type: "run.completed",
        data: {
          responseId: "resp_c2d97b40f30568190069a88a7f001c8190b5e2b05a990d658a",
          usage: { inputTokens: 113, outputTokens: 14, totalTokens: 127 },
        },
      },
    ]);
  });
});

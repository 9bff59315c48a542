import { describe, expect, it } from "vitest";
import { finishNormalizer, normalizeResponse } from "@/lib/agents/normalizer";
import { dataOf, expectValidDrafts, runStream, typesOf } from "../chat/helpers/normalizer";
import { loadRecording, responsesOf, sseFramesOf } from "../helpers/recordings";

type Item = Record<string, unknown>;
let seq = 0;
const ev = (type: string, fields: Item = {}): Item => ({ type, sequence_number: seq++, ...fields });
const created = () => ev("response.created", { response: { id: "resp_1", status: "in_progress" } });
const added = (item: Item) => ev("response.output_item.added", { item });
const done = (item: Item) => ev("response.output_item.done", { item });
const completed = (output: Item[] = []) =>
  ev("response.completed", { response: { id: "resp_1", status: "completed", output } });
const errorFrame = (code = "server_error", message = "The tool server broke.") =>
  ev("error", { error: { type: "server_error", code, message, param: null } });

const fnCall = (fields: Item = {}): Item => ({
  type: "function_call",
  id: "fc_1",
  call_id: "call_abc",
  name: "get_time",
  arguments: '{"tz":"UTC"}',
  status: "completed",
  ...fields,
});
const fnOutput = (fields: Item = {}): Item => ({
  type: "function_call_output",
  id: "fco_1",
  call_id: "call_abc",
  output: "12:00",
  status: "completed",
  ...fields,
});

describe("separate *_call_output items attach to their call by call_id", () => {
  it("keeps a done function call running until its function_call_output (bug: completed without its result)", () => {
    const run = runStream([
      created(),
      added(fnCall({ status: "in_progress", arguments: "" })),
      done(fnCall()),
    ]);
    expect(typesOf(run.events)).toEqual(["tool.call.started"]);
    const after = runStream([added(fnOutput({ status: "in_progress" })), done(fnOutput())], {
      from: run.state,
    });
    // call_id (call_abc) maps to our callId, the call item's id (fc_1).
    expect(dataOf(after.events, "tool.call.completed")).toEqual([
      {
        callId: "fc_1",
        kind: "function",
        name: "get_time",
        arguments: '{"tz":"UTC"}',
        output: "12:00",
      },
    ]);
    const end = runStream([completed([fnCall(), fnOutput()])], { from: after.state });
    expect(typesOf(end.events)).toEqual(["run.completed"]);
  });

  it("completes the call with the output that arrived before the call's done item", () => {
    const run = runStream([
      created(),
      added(fnCall({ status: "in_progress", arguments: "" })),
      done(fnOutput()),
      done(fnCall()),
      completed([fnCall(), fnOutput()]),
    ]);
    expect(typesOf(run.events)).toEqual([
      "tool.call.started",
      "tool.call.completed",
      "run.completed",
    ]);
    expect(dataOf(run.events, "tool.call.completed")[0]).toMatchObject({
      callId: "fc_1",
      output: "12:00",
    });
  });

  it("keeps an output that came before its call was known, for when the call is done", () => {
    const run = runStream([created(), done(fnOutput()), done(fnCall()), completed()]);
    expect(typesOf(run.events)).toEqual([
      "tool.call.started",
      "tool.call.completed",
      "run.completed",
    ]);
    expect(dataOf(run.events, "tool.call.completed")[0]).toMatchObject({
      callId: "fc_1",
      output: "12:00",
    });
  });

  it("completes a call whose output never came when the response completes", () => {
    const run = runStream([created(), added(fnCall({ status: "in_progress" })), done(fnCall())]);
    expect(typesOf(run.events)).toEqual(["tool.call.started"]);
    const end = runStream([completed([fnCall()])], { from: run.state });
    expect(typesOf(end.events)).toEqual(["tool.call.completed", "run.completed"]);
    expect(dataOf(end.events, "tool.call.completed")[0]).not.toHaveProperty("output");
  });

  it("attaches mcp_call_output, custom_tool_call_output (no id, content parts) and computer_call_output", () => {
    const run = runStream([
      created(),
      added({ type: "mcp_call", id: "mcp_1", call_id: "c_mcp", server_label: "s", name: "x" }),
      done({
        type: "mcp_call",
        id: "mcp_1",
        call_id: "c_mcp",
        server_label: "s",
        name: "x",
        status: "completed",
      }),
      added({
        type: "custom_tool_call",
        id: "ct_1",
        call_id: "c_custom",
        name: "grammar",
        input: "a+b",
      }),
      done({
        type: "custom_tool_call",
        id: "ct_1",
        call_id: "c_custom",
        name: "grammar",
        input: "a+b",
        status: "completed",
      }),
      added({
        type: "computer_call",
        id: "cu_1",
        call_id: "c_cu",
        action: { type: "click", x: 1, y: 2 },
        status: "in_progress",
      }),
      done({
        type: "computer_call",
        id: "cu_1",
        call_id: "c_cu",
        action: { type: "click", x: 1, y: 2 },
        status: "completed",
      }),
      done({ type: "mcp_call_output", id: "mo_1", call_id: "c_mcp", output: "ok" }),
      done({
        type: "custom_tool_call_output",
        call_id: "c_custom",
        output: [{ type: "input_text", text: "3" }],
      }),
      done({
        type: "computer_call_output",
        id: "cuo_1",
        call_id: "c_cu",
        status: "failed",
        output: { type: "computer_screenshot", image_url: "https://x.example/s.png" },
      }),
      completed(),
    ]);
    expect(typesOf(run.events)).toEqual([
      "tool.call.started",
      "tool.call.started",
      "tool.call.started",
      "tool.call.completed",
      "tool.call.completed",
      "tool.call.failed",
      "run.completed",
    ]);
    expect(dataOf(run.events, "tool.call.completed")).toEqual([
      { callId: "mcp_1", kind: "mcp", name: "x", serverLabel: "s", output: "ok" },
      { callId: "ct_1", kind: "other", name: "grammar", arguments: "a+b", output: "3" },
    ]);
    expect(dataOf(run.events, "tool.call.failed")[0]).toMatchObject({
      callId: "cu_1",
      arguments: '{"type":"click","x":1,"y":2}',
      error: expect.stringContaining("computer_screenshot"),
    });
  });

  it("attaches outputs in a non-streaming response too", () => {
    const drafts = normalizeResponse({
      id: "resp_x",
      status: "completed",
      output: [fnCall(), fnOutput({ output: [{ type: "input_text", text: "noon" }] })],
    });
    expectValidDrafts(drafts);
    expect(typesOf(drafts)).toEqual(["tool.call.started", "tool.call.completed", "run.completed"]);
    expect(dataOf(drafts, "tool.call.completed")[0]).toMatchObject({
      callId: "fc_1",
      output: "noon",
    });
  });

  it("never leaks bookkeeping (call_id, awaiting) into events", () => {
    const run = runStream([created(), added(fnCall()), done(fnCall()), done(fnOutput())]);
    for (const event of run.events) {
      expect(event.data).not.toHaveProperty("upstreamCallId");
      expect(event.data).not.toHaveProperty("awaitingOutput");
    }
  });
});

describe("arguments of a call the error frame interrupted", () => {
  const failedAfter = (frames: Item[]) => {
    const run = runStream(frames);
    const drafts = finishNormalizer(run.state);
    expectValidDrafts(drafts);
    expect(typesOf(drafts)).toEqual(["tool.call.failed", "run.failed"]);
    return dataOf(drafts, "tool.call.failed")[0]!;
  };

  it.each([
    [
      "response.mcp_call_arguments.delta",
      { type: "mcp_call", id: "it_1", server_label: "s", name: "x", arguments: "" },
    ],
    [
      "response.function_call_arguments.delta",
      { type: "function_call", id: "it_1", call_id: "c1", name: "x", arguments: "" },
    ],
    [
      "response.custom_tool_call_input.delta",
      { type: "custom_tool_call", id: "it_1", call_id: "c1", name: "x", input: "" },
    ],
    [
      "response.code_interpreter_call_code.delta",
      { type: "code_interpreter_call", id: "it_1", code: "" },
    ],
  ])(
    "shows arguments that only came as %s (bug: failed call lost its delta-only arguments)",
    (type, item) => {
      const failed = failedAfter([
        created(),
        added({ ...item, status: "in_progress" }),
        ev(type, { item_id: "it_1", output_index: 0, delta: '{"q":' }),
        ev(type, { item_id: "it_1", output_index: 0, delta: '"tea"}' }),
        errorFrame(),
      ]);
      expect(failed).toMatchObject({
        callId: "it_1",
        arguments: '{"q":"tea"}',
        error: "The tool server broke.",
      });
    },
  );

  it("reports the partial arguments when the failure came right after the first delta", () => {
    const failed = failedAfter([
      created(),
      added({ type: "mcp_call", id: "mcp_9", server_label: "s", name: "x", status: "calling" }),
      ev("response.mcp_call_arguments.delta", { item_id: "mcp_9", delta: '{"to":"+1555' }),
      errorFrame(),
    ]);
    expect(failed.arguments).toBe('{"to":"+1555');
  });

  it("keeps the arguments the call was added with", () => {
    const failed = failedAfter([
      created(),
      added({ type: "mcp_call", id: "mcp_9", server_label: "s", name: "x", arguments: '{"a":1}' }),
      errorFrame(),
    ]);
    expect(failed.arguments).toBe('{"a":1}');
  });

  it("prefers the .done arguments over the deltas", () => {
    const failed = failedAfter([
      created(),
      added({ type: "function_call", id: "fc_9", call_id: "c9", name: "x", arguments: "" }),
      ev("response.function_call_arguments.delta", { item_id: "fc_9", delta: '{"a"' }),
      ev("response.function_call_arguments.done", { item_id: "fc_9", arguments: '{"a":2}' }),
      errorFrame(),
    ]);
    expect(failed.arguments).toBe('{"a":2}');
  });

  it("accumulates Foundry tools' own argument deltas (response.<x>_arguments.delta)", () => {
    const failed = failedAfter([
      created(),
      added({ type: "openapi_call", id: "oa_1", call_id: "c_oa", name: "weather", arguments: "" }),
      ev("response.openapi_call_arguments.delta", { item_id: "oa_1", delta: '{"city":"Oslo"}' }),
      errorFrame(),
    ]);
    expect(failed.arguments).toBe('{"city":"Oslo"}');
  });
});

const message = (content: Item[], id = "msg_1"): Item => ({
  type: "message",
  id,
  role: "assistant",
  status: "completed",
  content,
});
const textPart = (text: string, annotations: unknown[] = []) => ({
  type: "output_text",
  text,
  annotations,
});

describe("citations", () => {
  it("numbers the file citation of the file search recording and places it in the text", () => {
    const [entry] = responsesOf(loadRecording("file_search"));
    const run = runStream(sseFramesOf(entry!).map((f) => f.data));
    const [doneText] = dataOf(run.events, "text.done");
    expect(doneText!.text).toBe("The Contoso Laptop Pro 15 is priced at **$1,299**[1].");
    expect(doneText!.citations).toEqual([
      {
        kind: "file",
        title: "product_info.md",
        fileId: "assistant-9nuuo4DZDcrGegVG6BwLe2",
        filename: "product_info.md",
        startIndex: 49,
        endIndex: 52,
      },
    ]);
    expect(doneText!.text.slice(49, 52)).toBe("[1]");
    expect(dataOf(run.events, "text.done")).toHaveLength(1);
  });

  it("uses annotations from response.output_text.annotation.added events", () => {
    const text = "Tea is healthy【3:0†source】.";
    const run = runStream([
      created(),
      ev("response.output_text.delta", { item_id: "msg_1", content_index: 0, delta: text }),
      ev("response.output_text.annotation.added", {
        item_id: "msg_1",
        content_index: 0,
        annotation_index: 0,
        annotation: {
          type: "url_citation",
          url: "https://tea.example/health",
          title: "Tea and health",
          start_index: 14,
          end_index: 26,
        },
      }),
      ev("response.output_text.done", { item_id: "msg_1", content_index: 0, text }),
    ]);
    expect(dataOf(run.events, "text.done")).toEqual([
      {
        itemId: "msg_1",
        text: "Tea is healthy[1].",
        citations: [
          {
            kind: "url",
            title: "Tea and health",
            url: "https://tea.example/health",
            startIndex: 14,
            endIndex: 17,
          },
        ],
      },
    ]);
  });

  it("re-emits text.done when content_part.done brings annotations the text lacked", () => {
    const text = "See the report【4:0†report.pdf】.";
    const run = runStream([
      created(),
      ev("response.output_text.done", { item_id: "msg_1", content_index: 0, text }),
      ev("response.content_part.done", {
        item_id: "msg_1",
        content_index: 0,
        part: textPart(text, [
          { type: "file_citation", file_id: "f1", filename: "report.pdf", index: 14 },
        ]),
      }),
      done(
        message([
          textPart(text, [
            { type: "file_citation", file_id: "f1", filename: "report.pdf", index: 14 },
          ]),
        ]),
      ),
    ]);
    // The first text.done already hides the raw marker; the second adds the citation.
    expect(dataOf(run.events, "text.done")).toEqual([
      { itemId: "msg_1", text: "See the report." },
      {
        itemId: "msg_1",
        text: "See the report[1].",
        citations: [
          {
            kind: "file",
            title: "report.pdf",
            fileId: "f1",
            filename: "report.pdf",
            startIndex: 14,
            endIndex: 17,
          },
        ],
      },
    ]);
  });

  it("strips raw 【…†…】 markers and numbers them by source, in reading order (bug: raw markers shown)", () => {
    const text = "A【1:0†b.pdf】, B【2:0†source】, again A【1:1†b.pdf】 and C【9:9†nothing】.";
    const bStart = text.indexOf("【2:0");
    const drafts = normalizeResponse({
      id: "r",
      status: "completed",
      output: [
        message([
          textPart(text, [
            {
              type: "url_citation",
              url: "https://web.example/b",
              title: "Web B",
              start_index: bStart,
              end_index: bStart + 10,
            },
            { type: "file_citation", file_id: "f_b", filename: "b.pdf", index: 0 },
          ]),
        ]),
      ],
    });
    expectValidDrafts(drafts);
    const [doneText] = dataOf(drafts, "text.done");
    expect(doneText!.text).toBe("A[1], B[2], again A[1] and C.");
    expect(doneText!.text).not.toMatch(/[【】†]/);
    expect(doneText!.citations!.map((c) => c.title)).toEqual(["b.pdf", "Web B"]);
  });

  it("numbers citations across the parts of a message, with offsets in the whole text", () => {
    const drafts = normalizeResponse({
      id: "r",
      status: "completed",
      output: [
        message([
          textPart("One【1:0†x】. ", [
            {
              type: "url_citation",
              url: "https://x.example/",
              title: "X",
              start_index: 3,
              end_index: 10,
            },
          ]),
          textPart("Two【1:0†y】.", [
            {
              type: "url_citation",
              url: "https://y.example/",
              title: "Y",
              start_index: 3,
              end_index: 10,
            },
          ]),
        ]),
      ],
    });
    const [doneText] = dataOf(drafts, "text.done");
    expect(doneText!.text).toBe("One[1]. Two[2].");
    expect(doneText!.citations!.map((c) => [c.title, c.startIndex])).toEqual([
      ["X", 3],
      ["Y", 11],
    ]);
  });

  it("lists container_file_citation and Assistants-style annotations; drops non-http urls", () => {
    const text = "Chart【5:1†chart.png】 from【5:2†source】.";
    const drafts = normalizeResponse({
      id: "r",
      status: "completed",
      output: [
        message([
          textPart(text, [
            {
              type: "container_file_citation",
              container_id: "cntr",
              file_id: "cf_1",
              filename: "chart.png",
              start_index: 5,
              end_index: 20,
            },
            {
              type: "url_citation",
              url: "javascript:alert(1)",
              title: "Bad",
              text: "【5:2†source】",
            },
          ]),
        ]),
      ],
    });
    expectValidDrafts(drafts);
    const [doneText] = dataOf(drafts, "text.done");
    expect(doneText!.text).toBe("Chart[1] from[2].");
    expect(doneText!.citations).toEqual([
      {
        kind: "file",
        title: "chart.png",
        fileId: "cf_1",
        filename: "chart.png",
        startIndex: 5,
        endIndex: 8,
      },
      { kind: "url", title: "Bad", startIndex: 13, endIndex: 16 },
    ]);
    expect(JSON.stringify(drafts)).not.toContain("javascript");
  });

  it("leaves text without annotations or markers exactly as it came", () => {
    const drafts = normalizeResponse({
      id: "r",
      status: "completed",
      output: [message([textPart("Plain [1] text with arr[0].")])],
    });
    expect(dataOf(drafts, "text.done")).toEqual([
      { itemId: "msg_1", text: "Plain [1] text with arr[0]." },
    ]);
  });
});

import { describe, expect, it } from "vitest";
import { normalizeResponse } from "@/lib/agents/normalizer";
import { draft, type ChatEvent } from "@/lib/chat/events";
import {
  emptyView,
  reduce,
  reduceAll,
  type ApprovalBlock,
  type TextBlock,
  type ToolCallBlock,
} from "@/lib/chat/reducer";
import { loadRecording, responsesOf, sseFramesOf } from "../helpers/recordings";
import { stamper } from "./helpers/events";
import { runStream } from "./helpers/normalizer";

const started = (input: string) =>
  draft("run.started", { agent: { name: "agent-mcp", version: "1" }, input });
const tool = { callId: "mcp_1", kind: "mcp" as const, name: "send_sms", serverLabel: "sandbox" };

describe("a streamed answer (file search recording)", () => {
  const stamp = stamper({ stepMs: 250 });
  const [entry] = responsesOf(loadRecording("file_search"));
  const drafts = runStream(sseFramesOf(entry!).map((f) => f.data)).events;
  const events = stamp("run_1", [
    started("What is the price of the Contoso Laptop Pro 15?"),
    ...drafts,
  ]);
  const view = reduceAll(events);

  it("becomes one completed turn with the tool call and the full text", () => {
    expect(view.lastSeq).toBe(events.length);
    expect(view.turns).toHaveLength(1);
    const [turn] = view.turns;
    expect(turn).toMatchObject({
      runId: "run_1",
      userText: "What is the price of the Contoso Laptop Pro 15?",
      agent: { name: "agent-mcp", version: "1" },
      status: "completed",
      startedAt: events[0]!.at,
      endedAt: events.at(-1)!.at,
      usage: { inputTokens: 2213, outputTokens: 81, totalTokens: 2294 },
    });
    expect(turn!.blocks.map((b) => b.type)).toEqual(["tool_call", "text"]);
    expect(turn!.blocks[0]).toMatchObject({
      kind: "file_search",
      status: "completed",
      durationMs: 250,
    });
    expect(turn!.blocks[1]).toEqual({
      type: "text",
      itemId: "msg_03755973f511778a0069a88af939848196852cc007cb61a0f9",
      text: "The Contoso Laptop Pro 15 is priced at **$1,299**[1].",
      done: true,
      citations: [
        {
          kind: "file",
          title: "product_info.md",
          fileId: "assistant-9nuuo4DZDcrGegVG6BwLe2",
          filename: "product_info.md",
          startIndex: 49,
          endIndex: 52,
        },
      ],
    });
  });

  it("shows the text accumulated so far while it streams", () => {
    const partial = reduceAll(events.slice(0, 8));
    const text = partial.turns[0]!.blocks.find((b): b is TextBlock => b.type === "text");
    expect(text).toMatchObject({ text: "The Contoso Laptop Pro", done: false });
    expect(partial.turns[0]!.status).toBe("running");
  });

  it("ignores events it has already applied (a reconnect replays them)", () => {
    const midway = reduceAll(events.slice(0, 10));
    const replayed = events.reduce(reduce, midway);
    expect(replayed).toEqual(view);
    expect(reduceAll([...events, ...events])).toEqual(view);
    expect(reduce(view, events[5]!)).toBe(view);
  });
});

describe("approvals", () => {
  const [first, second] = responsesOf(loadRecording("handle_approval_workflow"));

  it("waits for approval, resumes after the decision, then completes", () => {
    const stamp = stamper();
    const waiting = stamp("run_1", [
      started("Summarize the readme"),
      ...normalizeResponse(first!.ResponseBody),
    ]);
    const paused = reduceAll(waiting);
    expect(paused.turns[0]!.status).toBe("awaiting_approval");
    expect(paused.turns[0]!.blocks.map((b) => b.type)).toEqual(["tools_listed", "approval"]);
    const approvalRequestId = (paused.turns[0]!.blocks[1] as ApprovalBlock).approvalRequestId;

    const decided = stamp("run_1", [
      draft("approval.decided", { approvalRequestId, approve: true, decidedBy: "carol" }),
    ]);
    const resumed = reduce(paused, decided[0]!);
    expect(resumed.turns[0]!.status).toBe("running");
    expect(resumed.turns[0]!.blocks[1]).toMatchObject({
      status: "approved",
      decidedBy: "carol",
      decidedAt: decided[0]!.at,
    });

    const rest = stamp("run_1", normalizeResponse(second!.ResponseBody));
    const done = rest.reduce(reduce, resumed);
    const [turn] = done.turns;
    expect(turn!.status).toBe("completed");
    expect(turn!.blocks.map((b) => b.type)).toEqual([
      "tools_listed",
      "approval",
      "tool_call",
      "text",
    ]);
    const call = turn!.blocks[2] as ToolCallBlock;
    expect(call).toMatchObject({
      kind: "mcp",
      name: "fetch_azure_rest_api_docs",
      status: "completed",
    });
    expect(call.output!.length).toBeGreaterThan(80_000);
    // Only the outcome was seen: no made-up start time or duration.
    expect(call.startedAt).toBeUndefined();
    expect(call.durationMs).toBeUndefined();
  });

  it("records a rejection with its reason", () => {
    const stamp = stamper();
    const view = reduceAll(
      stamp("run_1", [
        started("Send it"),
        draft("approval.requested", {
          approvalRequestId: "mcpr_1",
          name: "send_sms",
          serverLabel: "sandbox",
          arguments: "{}",
        }),
        draft("approval.decided", {
          approvalRequestId: "mcpr_1",
          approve: false,
          reason: "Wrong number",
        }),
      ]),
    );
    expect(view.turns[0]!.blocks[0]).toMatchObject({ status: "rejected", reason: "Wrong number" });
    expect(view.turns[0]!.status).toBe("running");
  });

  it("expires a pending approval when the run is cancelled", () => {
    const stamp = stamper();
    const view = reduceAll(
      stamp("run_1", [
        started("Send it"),
        draft("approval.requested", {
          approvalRequestId: "mcpr_1",
          name: "send_sms",
          serverLabel: "sandbox",
          arguments: "{}",
        }),
        draft("run.cancelled", { reason: "Stopped by the user." }),
      ]),
    );
    expect(view.turns[0]).toMatchObject({
      status: "cancelled",
      cancelReason: "Stopped by the user.",
    });
    expect(view.turns[0]!.blocks[0]).toMatchObject({ status: "expired" });
  });
});

describe("consent", () => {
  it("waits for consent and runs again once it is completed", () => {
    const stamp = stamper();
    const events = stamp("run_1", [
      started("What's my username?"),
      draft("consent.requested", {
        consentId: "oauth_1",
        serverLabel: "github",
        link: "https://login.example.com/c",
      }),
    ]);
    const waiting = reduceAll(events);
    expect(waiting.turns[0]!.status).toBe("awaiting_consent");
    const [completed] = stamp("run_1", [draft("consent.completed", { consentId: "oauth_1" })]);
    const view = reduce(waiting, completed!);
    expect(view.turns[0]!.status).toBe("running");
    expect(view.turns[0]!.blocks[0]).toMatchObject({
      type: "consent",
      status: "completed",
      completedAt: completed!.at,
    });
  });
});

describe("tool calls and failures", () => {
  it("times a tool call from start to outcome", () => {
    const stamp = stamper({ stepMs: 1500 });
    const view = reduceAll(
      stamp("run_1", [
        started("Text Bob"),
        draft("tool.call.started", { ...tool, arguments: '{"to":"bob"}' }),
        draft("tool.call.completed", { ...tool, output: "sent" }),
      ]),
    );
    expect(view.turns[0]!.blocks[0]).toMatchObject({
      type: "tool_call",
      status: "completed",
      arguments: '{"to":"bob"}',
      output: "sent",
      durationMs: 1500,
    });
  });

  it("fails the run with its error and closes what was still running", () => {
    const stamp = stamper();
    const events = stamp("run_1", [
      started("Text Bob"),
      draft("tool.call.started", tool),
      draft("text.delta", { itemId: "msg_1", delta: "Sending" }),
      draft("run.failed", {
        code: "stream_ended",
        message: "The agent stopped answering.",
        retriable: true,
      }),
    ]);
    const [turn] = reduceAll(events).turns;
    expect(turn).toMatchObject({
      status: "failed",
      endedAt: events[3]!.at,
      error: { code: "stream_ended", message: "The agent stopped answering.", retriable: true },
    });
    expect(turn!.blocks[0]).toMatchObject({
      status: "failed",
      error: "The run ended before this tool call finished.",
    });
    expect(turn!.blocks[1]).toMatchObject({ text: "Sending", done: true });
  });

  it("keeps a finished run finished when a late event arrives", () => {
    const stamp = stamper();
    const view = reduceAll(
      stamp("run_1", [
        started("Hi"),
        draft("run.completed", {}),
        draft("text.delta", { itemId: "m", delta: "late" }),
      ]),
    );
    expect(view.turns[0]!.status).toBe("completed");
  });

  it("keeps one tools list per server (the latest)", () => {
    const stamp = stamper();
    const view = reduceAll(
      stamp("run_1", [
        started("Hi"),
        draft("tools.listed", { serverLabel: "sandbox", tools: [{ name: "a" }] }),
        draft("tools.listed", { serverLabel: "sandbox", tools: [{ name: "a" }, { name: "b" }] }),
      ]),
    );
    expect(view.turns[0]!.blocks).toEqual([
      { type: "tools_listed", serverLabel: "sandbox", tools: [{ name: "a" }, { name: "b" }] },
    ]);
  });
});

describe("several runs", () => {
  it("keeps each run's events in its own turn, in order of start", () => {
    const stamp = stamper();
    const events: ChatEvent[] = [
      ...stamp("run_1", [
        started("First"),
        draft("text.done", { itemId: "m1", text: "One" }),
        draft("run.completed", {}),
      ]),
      ...stamp("run_2", [started("Second"), draft("text.delta", { itemId: "m2", delta: "Tw" })]),
    ];
    const view = reduceAll(events);
    expect(view.turns.map((t) => [t.runId, t.userText, t.status])).toEqual([
      ["run_1", "First", "completed"],
      ["run_2", "Second", "running"],
    ]);
    expect(view.turns[1]!.blocks).toEqual([
      { type: "text", itemId: "m2", text: "Tw", done: false },
    ]);
  });

  it("starts a turn without its run.started when reading the log from the middle", () => {
    const stamp = stamper();
    const events = stamp("run_9", [
      started("Hidden"),
      draft("text.delta", { itemId: "m", delta: "Hi" }),
    ]);
    const view = reduce(emptyView(), events[1]!);
    expect(view.turns[0]).toMatchObject({
      runId: "run_9",
      agent: null,
      status: "running",
      startedAt: events[1]!.at,
    });
    expect(view.turns[0]!.userText).toBeUndefined();
    expect(view.turns[0]!.blocks).toEqual([{ type: "text", itemId: "m", text: "Hi", done: false }]);
  });
});

describe("citations on text blocks", () => {
  const citation = {
    kind: "url" as const,
    title: "Tea and health",
    url: "https://tea.example/health",
    startIndex: 14,
    endIndex: 17,
  };

  it("keeps the citations of text.done on the text block (bug: citations dropped by the reducer)", () => {
    const stamp = stamper();
    const view = reduceAll(
      stamp("run_1", [
        started("Is tea healthy?"),
        draft("text.delta", { itemId: "m1", delta: "Tea is healthy【3:0†source】." }),
        draft("text.done", { itemId: "m1", text: "Tea is healthy[1].", citations: [citation] }),
        draft("run.completed", {}),
      ]),
    );
    expect(view.turns[0]!.blocks).toEqual([
      { type: "text", itemId: "m1", text: "Tea is healthy[1].", done: true, citations: [citation] },
    ]);
  });

  it("lets a later text.done replace the citations, and one without any clear them", () => {
    const stamp = stamper();
    const events = stamp("run_1", [
      draft("text.done", { itemId: "m1", text: "A[1]", citations: [citation] }),
      draft("text.done", { itemId: "m1", text: "A" }),
    ]);
    const text = reduceAll(events).turns[0]!.blocks[0] as TextBlock;
    expect(text).toEqual({ type: "text", itemId: "m1", text: "A", done: true });
    expect(reduceAll(events.slice(0, 1)).turns[0]!.blocks[0]).toMatchObject({
      citations: [citation],
    });
  });
});

describe("a function call whose output came separately", () => {
  it("runs until the output arrives, then completes with it and a duration", () => {
    const stamp = stamper({ stepMs: 400 });
    const fn = { callId: "fc_1", kind: "function" as const, name: "get_time" };
    const events = stamp("run_1", [
      draft("tool.call.started", fn),
      draft("tool.call.completed", { ...fn, arguments: '{"tz":"UTC"}', output: "12:00" }),
    ]);
    expect(reduceAll(events.slice(0, 1)).turns[0]!.blocks[0]).toMatchObject({
      status: "running",
    });
    expect(reduceAll(events).turns[0]!.blocks[0]).toMatchObject({
      status: "completed",
      arguments: '{"tz":"UTC"}',
      output: "12:00",
      durationMs: 400,
    });
  });

  it("keeps the arguments a failed call was made with (error frame after argument deltas)", () => {
    const stamp = stamper();
    const call = { callId: "mcp_1", kind: "mcp" as const, name: "x", serverLabel: "s" };
    const view = reduceAll(
      stamp("run_1", [
        draft("tool.call.started", call),
        draft("tool.call.failed", { ...call, arguments: '{"q":"tea"}', error: "boom" }),
        draft("run.failed", { code: "server_error", message: "boom", retriable: true }),
      ]),
    );
    expect(view.turns[0]!.blocks[0]).toMatchObject({
      status: "failed",
      arguments: '{"q":"tea"}',
      error: "boom",
    });
  });
});

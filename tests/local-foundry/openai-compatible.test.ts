import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve, type TestServer } from "../helpers/serve";
import { grantConsent } from "./consent-helpers";
import { startHarness, type Harness } from "./harness";

const assistant = { agent_reference: { type: "agent_reference", name: "assistant" } };

interface ChatRequest {
  model: string;
  stream: boolean;
  messages: { role: string; content: string; tool_calls?: unknown[]; tool_call_id?: string }[];
  tools?: { type: string; function: { name: string; parameters: object } }[];
}

/** A tiny OpenAI-compatible chat-completions server that streams `Seen <n> messages.` word by word. */
async function fakeChatServer(
  seen: { body: ChatRequest; auth: string | null }[],
): Promise<TestServer> {
  return serve(async (req) => {
    if (new URL(req.url).pathname !== "/v1/chat/completions")
      return new Response("no", { status: 404 });
    const body = (await req.json()) as ChatRequest;
    seen.push({ body, auth: req.headers.get("authorization") });
    const lastMessage = body.messages.at(-1);
    const last = lastMessage?.content ?? "";
    const chunkOf = (delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const sseOf = (parts: string[]) =>
      new Response([...parts, "data: [DONE]\n\n"].join(""), {
        headers: { "content-type": "text/event-stream" },
      });
    // Tool turns: a result comes back as a `tool` message; a request for one is a tool_call.
    if (lastMessage?.role === "tool") {
      return sseOf([chunkOf({ content: `Tool said: ${last.slice(0, 20)}` }), chunkOf({}, "stop")]);
    }
    const wanted = last.includes("find electric")
      ? { name: "tavily_search", args: ['{"query":', '"electric SUVs"}'] }
      : last.includes("text bob")
        ? { name: "twilio_send_sms", args: ['{"to":"+14155550100",', '"body":"hi"}'] }
        : null;
    if (wanted && body.tools) {
      return sseOf([
        chunkOf({
          role: "assistant",
          content: null,
          tool_calls: [
            {
              index: 0,
              id: "call_1",
              type: "function",
              function: { name: wanted.name, arguments: wanted.args[0] },
            },
          ],
        }),
        chunkOf({ tool_calls: [{ index: 0, function: { arguments: wanted.args[1] } }] }),
        chunkOf({}, "tool_calls"),
      ]);
    }
    if (last.includes("reject me")) {
      return Response.json(
        {
          error: {
            message: "context too long",
            type: "invalid_request_error",
            code: null,
            param: null,
          },
        },
        { status: 400 },
      );
    }
    const words = ["Seen ", `${body.messages.length} `, "messages."];
    const chunk = (delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const sse = [
      chunk({ role: "assistant", content: "" }),
      ...words.map((w) => chunk({ content: w })),
      chunk({}, "stop"),
      "data: [DONE]\n\n",
    ];
    return new Response(sse.join(""), { headers: { "content-type": "text/event-stream" } });
  });
}

describe("local agent service with an OpenAI-compatible model (LOCAL_MODEL_BASE_URL)", () => {
  let h: Harness;
  let upstream: TestServer;
  const seen: { body: ChatRequest; auth: string | null }[] = [];

  beforeAll(async () => {
    upstream = await fakeChatServer(seen);
    process.env.LOCAL_MODEL_BASE_URL = `${upstream.url}/v1`;
    process.env.LOCAL_MODEL_API_KEY = "sk-local-test";
    process.env.LOCAL_MODEL_NAME = "llama-test";
    process.env.MCP_APPROVAL_LEDGER = "false";
    h = await startHarness();
    await grantConsent(h, "alice"); // the default agent's tools act as alice (mcp-oauth)
  });
  afterAll(async () => {
    await h?.close();
    await upstream?.close();
    delete process.env.LOCAL_MODEL_BASE_URL;
    delete process.env.LOCAL_MODEL_API_KEY;
    delete process.env.LOCAL_MODEL_NAME;
  });

  it("maps instructions and conversation history to chat messages and streams the answer back", async () => {
    const openai = h.project("alice").getOpenAIClient();
    const conv = await openai.conversations.create({
      items: [{ type: "message", role: "user", content: "first question" }],
    });
    const first = await openai.responses.create({ conversation: conv.id }, { body: assistant });
    expect(first.output_text).toBe("Seen 2 messages.");
    expect(first.model).toBe("llama-test");

    const stream = await openai.responses.create(
      { conversation: conv.id, input: "second question", stream: true },
      { body: assistant },
    );
    const deltas: string[] = [];
    let last = "";
    for await (const e of stream) {
      if (e.type === "response.output_text.delta") deltas.push(e.delta);
      last = e.type;
    }
    expect(deltas.join("")).toBe("Seen 4 messages.");
    expect(last).toBe("response.completed");

    const request = seen.at(-1)!;
    expect(request.auth).toBe("Bearer sk-local-test");
    expect(request.body.model).toBe("llama-test");
    expect(request.body.stream).toBe(true);
    expect(request.body.messages).toEqual([
      { role: "system", content: expect.stringContaining("You are a helpful assistant") },
      { role: "user", content: "first question" },
      { role: "assistant", content: "Seen 2 messages." },
      { role: "user", content: "second question" },
    ]);
  });

  it("offers the listed MCP tools as functions and runs the model's tool_calls", async () => {
    const openai = h.project("alice").getOpenAIClient();
    const before = seen.length;
    const done = await openai.responses.create(
      { input: "please find electric SUVs" },
      { body: assistant },
    );
    expect(done.output.map((o) => o.type)).toEqual(["mcp_list_tools", "mcp_call", "message"]);
    expect(done.output[1]).toMatchObject({
      name: "tavily_search",
      arguments: '{"query":"electric SUVs"}',
      status: "completed",
      approval_request_id: null,
    });
    expect(done.output_text).toMatch(/^Tool said: /);

    const [offer, answer] = seen.slice(before);
    const search = offer!.body.tools!.find((t) => t.function.name === "tavily_search");
    expect(search).toMatchObject({
      type: "function",
      function: { parameters: { type: "object" } },
    });
    expect(answer!.body.messages.slice(-2)).toEqual([
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: expect.stringMatching(/^mcp_/),
            type: "function",
            function: { name: "tavily_search", arguments: '{"query":"electric SUVs"}' },
          },
        ],
      },
      {
        role: "tool",
        tool_call_id: expect.stringMatching(/^mcp_/),
        content: expect.stringContaining("results"),
      },
    ]);

    // A write asks for approval first, exactly as with the scripted model.
    const ask = await openai.responses.create({ input: "text bob please" }, { body: assistant });
    expect(ask.output.map((o) => o.type)).toEqual(["mcp_list_tools", "mcp_approval_request"]);
    expect(ask.output[1]).toMatchObject({
      name: "twilio_send_sms",
      arguments: '{"to":"+14155550100","body":"hi"}',
    });
  });

  it("turns an upstream rejection into an error frame and a failed response", async () => {
    const openai = h.project("alice").getOpenAIClient();
    const stream = await openai.responses.create(
      { input: "please reject me", stream: true },
      { body: assistant },
    );
    let thrown: unknown;
    let responseId = "";
    try {
      for await (const e of stream) if (e.type === "response.created") responseId = e.response.id;
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(OpenAI.APIError);
    expect(thrown).toMatchObject({ type: "invalid_request_error", code: "model_error" });
    expect(await openai.responses.retrieve(responseId)).toMatchObject({
      status: "failed",
      error: { code: "model_error" },
    });
  });
});

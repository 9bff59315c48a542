import OpenAI from "openai";
import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbKind } from "../helpers/db";
import { parseSse, startHarness, type Harness } from "./harness";

const assistant = { agent_reference: { type: "agent_reference", name: "assistant" } };
/** A tool-less agent: these tests are about text framing (tools: tests/local-foundry/mcp-*.test.ts). */
const plain = { agent_reference: { type: "agent_reference", name: "plain-assistant" } };

type Msg = { type: string; content: { type: string; text: string }[] };
const textOf = (output: unknown[]) =>
  (output as Msg[])
    .filter((o) => o.type === "message")
    .flatMap((o) => o.content.map((c) => c.text))
    .join("");

async function collect(stream: AsyncIterable<ResponseStreamEvent>): Promise<ResponseStreamEvent[]> {
  const events: ResponseStreamEvent[] = [];
  for await (const e of stream) events.push(e);
  return events;
}

describe.each<DbKind>(["pglite", "postgres"])(
  "local agent service: responses through the SDK (%s)",
  (db) => {
    let h: Harness;
    let openai: OpenAI;
    beforeAll(async () => {
      h = await startHarness({ db });
      openai = h.project("alice").getOpenAIClient();
      await h.project("dana").agents.createVersion("plain-assistant", {
        kind: "prompt",
        model: "scripted",
        instructions: "You are a helpful assistant without tools.",
      });
    });
    afterAll(async () => h?.close());

    it("answers non-streaming in a conversation, and the second turn sees the first", async () => {
      const conv = await openai.conversations.create({
        items: [
          { type: "message", role: "user", content: "What is the size of France in square miles?" },
        ],
      });
      // No input: the conversation's items are the prompt (as in the recorded conversation flow).
      const first = await openai.responses.create({ conversation: conv.id }, { body: plain });
      expect(first).toMatchObject({
        object: "response",
        status: "completed",
        error: null,
        model: "scripted",
        conversation: { id: conv.id },
        agent_reference: { type: "agent_reference", name: "plain-assistant", version: "1" },
        agent: { type: "agent_id", name: "plain-assistant", version: "1" },
      });
      expect(first.output[0]).toMatchObject({
        type: "message",
        role: "assistant",
        status: "completed",
        response_id: first.id,
        created_by: {
          agent: { type: "agent_id", name: "plain-assistant", version: "1" },
          response_id: first.id,
        },
        agent_reference: { type: "agent_reference", name: "plain-assistant", version: "1" },
      });
      expect(first.output_text).toContain(
        'You said: "What is the size of France in square miles?"',
      );
      expect(first.output_text).toContain("first message of our conversation");
      expect(first.usage?.total_tokens).toBeGreaterThan(0);

      const second = await openai.responses.create(
        { conversation: conv.id, input: "And what is the capital city?" },
        { body: plain },
      );
      expect(second.output_text).toContain('You said: "And what is the capital city?"');
      expect(second.output_text).toContain("has 2 earlier messages");

      const items = await openai.conversations.items.list(conv.id, { order: "asc" });
      expect(items.data.map((i) => `${(i as { role: string }).role}`)).toEqual([
        "user",
        "assistant",
        "user",
        "assistant",
      ]);
      expect((items.data[1] as { id: string }).id).toBe(first.output[0]!.id);

      expect(await openai.responses.retrieve(first.id)).toMatchObject({
        id: first.id,
        status: "completed",
      });
    });

    it("sends agent_reference in the body (the deprecated `agent` key is accepted too)", async () => {
      const before = h.requests.length;
      await openai.responses.create({ input: "hello" }, { body: assistant });
      const sent = h.requests.slice(before).find((r) => r.path.endsWith("/openai/v1/responses"));
      expect(sent?.body).toMatchObject({
        input: "hello",
        agent_reference: { type: "agent_reference", name: "assistant" },
      });
      expect(sent?.body).not.toHaveProperty("agent");

      const legacy = await openai.responses.create(
        { input: "hello" },
        { body: { agent: { type: "agent_reference", name: "concise-assistant" } } },
      );
      expect(legacy).toMatchObject({ agent_reference: { name: "concise-assistant" } });
      await expect(openai.responses.create({ input: "hello" })).rejects.toMatchObject({
        status: 400,
        error: { code: "missing_required_parameter", param: "agent_reference" },
      });
    });

    it("chains turns with previous_response_id", async () => {
      const first = await openai.responses.create(
        { input: "remember the word pineapple" },
        { body: plain },
      );
      const second = await openai.responses.create(
        { input: "what was the word?", previous_response_id: first.id },
        { body: plain },
      );
      expect(second.previous_response_id).toBe(first.id);
      expect(second.output_text).toContain("has 2 earlier messages");
      await expect(
        openai.responses.create(
          { input: "x", previous_response_id: first.id, conversation: "conv_x" },
          { body: plain },
        ),
      ).rejects.toMatchObject({ status: 400 });
    });

    it("streams Foundry's events: sequence numbers from 0, deltas, and response.completed last", async () => {
      const conv = await openai.conversations.create({});
      const stream = await openai.responses.create(
        { conversation: conv.id, input: "show me a markdown demo", stream: true },
        { body: plain },
      );
      const events = await collect(stream);

      expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
      expect(events.slice(0, 4).map((e) => e.type)).toEqual([
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
      ]);
      expect(events.slice(-4).map((e) => e.type)).toEqual([
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
      ]);
      const deltas = events.filter((e) => e.type === "response.output_text.delta");
      expect(deltas.length).toBeGreaterThan(10);
      const done = events.find((e) => e.type === "response.output_text.done")!;
      expect(deltas.map((d) => d.delta).join("")).toBe(done.text);
      expect(done.text).toContain("# Markdown showcase");
      expect(done.text).toContain("```ts");
      expect(done.text).toContain("| --- | --- | --- |");

      const completed = events.at(-1) as Extract<
        ResponseStreamEvent,
        { type: "response.completed" }
      >;
      expect(completed.response.status).toBe("completed");
      expect(textOf(completed.response.output)).toBe(done.text);
      const added = events[2] as Extract<
        ResponseStreamEvent,
        { type: "response.output_item.added" }
      >;
      expect(added.item).toMatchObject({
        type: "message",
        status: "in_progress",
        content: [],
        response_id: completed.response.id,
      });

      // The outcome is stored before response.completed goes out.
      expect(await openai.responses.retrieve(completed.response.id)).toMatchObject({
        status: "completed",
      });
      const items = await openai.conversations.items.list(conv.id, { order: "asc" });
      expect(items.data).toHaveLength(2);
    });

    it("frames SSE as Foundry does: event line = data type, no [DONE]", async () => {
      const res = await fetch(`${h.endpoint}/openai/v1/responses`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${await h.token("alice")}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ input: "hello", stream: true, ...plain }),
      });
      expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
      const text = await res.text();
      expect(text).not.toContain("[DONE]");
      const frames = parseSse(text);
      for (const f of frames) expect(f.data.type).toBe(f.event);
      expect(frames.map((f) => f.data.sequence_number)).toEqual(frames.map((_, i) => i));
      expect(frames.at(-1)!.event).toBe("response.completed");
    });

    it("sends an error frame then response.failed on /fail; the SDK throws and the response is stored failed", async () => {
      const conv = await openai.conversations.create({});
      const stream = await openai.responses.create(
        { conversation: conv.id, input: "please /fail now", stream: true },
        { body: plain },
      );
      const seen: ResponseStreamEvent[] = [];
      let thrown: unknown;
      try {
        for await (const e of stream) seen.push(e);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(OpenAI.APIError);
      expect(thrown).toMatchObject({ code: "tool_user_error", type: "invalid_request_error" });
      expect(seen.map((e) => e.type)).toEqual(["response.created", "response.in_progress"]);
      const responseId = (seen[0] as Extract<ResponseStreamEvent, { type: "response.created" }>)
        .response.id;
      expect(await openai.responses.retrieve(responseId)).toMatchObject({
        status: "failed",
        error: { code: "tool_user_error" },
        output: [],
      });
      // The user's message stays in the conversation; no assistant item was added.
      const items = await openai.conversations.items.list(conv.id);
      expect(items.data.map((i) => (i as { role: string }).role)).toEqual(["user"]);
    });

    it("frames the failure exactly: error (nested error object) right before response.failed", async () => {
      const res = await fetch(`${h.endpoint}/openai/v1/responses`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${await h.token("alice")}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ input: "/fail-late please", stream: true, ...plain }),
      });
      const frames = parseSse(await res.text());
      const [error, failed] = frames.slice(-2);
      expect(error).toMatchObject({
        event: "error",
        data: { type: "error", error: { type: "server_error", code: "server_error", param: null } },
      });
      expect(typeof (error!.data.error as { message: string }).message).toBe("string");
      expect(failed!.event).toBe("response.failed");
      const response = failed!.data.response as {
        status: string;
        error: object;
        output: { status: string }[];
      };
      expect(response.status).toBe("failed");
      expect(response.error).toEqual({ code: "server_error", message: expect.any(String) });
      expect(response.output[0]!.status).toBe("incomplete");
      expect(frames.map((f) => f.data.sequence_number)).toEqual(frames.map((_, i) => i));
    });

    it("answers non-streaming failures with an HTTP error in OpenAI's shape", async () => {
      await expect(
        openai.responses.create({ input: "/fail" }, { body: plain }),
      ).rejects.toMatchObject({
        status: 400,
        code: "tool_user_error",
      });
    });

    it("keeps responses to their owner", async () => {
      const mine = await openai.responses.create({ input: "hello" }, { body: plain });
      const bob = h.project("bob").getOpenAIClient();
      await expect(bob.responses.retrieve(mine.id)).rejects.toMatchObject({ status: 404 });
      await expect(
        bob.responses.create({ input: "x", previous_response_id: mine.id }, { body: plain }),
      ).rejects.toMatchObject({ status: 404 });
    });
  },
);

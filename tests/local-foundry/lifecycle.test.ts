import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chunkText } from "@/lib/local-foundry/model/chunk";
import { ScriptedModel } from "@/lib/local-foundry/model/scripted";
import { scriptedReply } from "@/lib/local-foundry/model/scripted-replies";
import type { LocalModel, ModelInput } from "@/lib/local-foundry/model/types";
import { addPlainAgent, PLAIN_AGENT, startHarness, type Harness } from "./harness";

/** Tool-less: these tests are about stopping and errors, not tools. */
const assistant = { agent_reference: { type: "agent_reference", name: PLAIN_AGENT } };
const LONG_CHUNKS = chunkText(
  scriptedReply({ instructions: null, messages: [{ role: "user", text: "long" }] }).text,
).length;

/** The scripted model, paced so that a client can stop it midway, counting what it produced. */
class CountingModel implements LocalModel {
  produced = 0;
  private readonly inner = new ScriptedModel({ pacingMs: 15 });
  async *stream(input: ModelInput, signal: AbortSignal) {
    for await (const chunk of this.inner.stream(input, signal)) {
      this.produced++;
      yield chunk;
    }
  }
}

async function until<T>(probe: () => Promise<T>, ok: (t: T) => boolean, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > end) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("local agent service: stopping, cancelling, auth and errors", () => {
  let h: Harness;
  const model = new CountingModel();
  beforeAll(async () => {
    h = await startHarness({ model: () => model });
    await addPlainAgent(h);
  });
  afterAll(async () => h?.close());

  it("stops generating when the client goes away and records the response as cancelled", async () => {
    const openai = h.project("alice").getOpenAIClient();
    const conv = await openai.conversations.create({});
    const controller = new AbortController();
    model.produced = 0;
    const stream = await openai.responses.create(
      { conversation: conv.id, input: "give me a long answer", stream: true },
      { body: assistant, signal: controller.signal },
    );
    let responseId = "";
    let deltas = 0;
    try {
      for await (const e of stream) {
        if (e.type === "response.created") responseId = e.response.id;
        if (e.type === "response.output_text.delta" && ++deltas === 3) controller.abort();
      }
    } catch {
      // the client's own abort
    }
    const stored = await until(
      () => openai.responses.retrieve(responseId),
      (r) => r.status !== "in_progress",
    );
    expect(stored.status).toBe("cancelled");
    const producedAtStop = model.produced;
    await new Promise((r) => setTimeout(r, 150));
    expect(model.produced).toBe(producedAtStop);
    expect(producedAtStop).toBeLessThan(LONG_CHUNKS / 2);
    expect(stored.output[0]).toMatchObject({ type: "message", status: "incomplete" });

    const items = await openai.conversations.items.list(conv.id, { order: "asc" });
    expect(items.data.map((i) => (i as { status: string }).status)).toEqual([
      "completed",
      "incomplete",
    ]);
  });

  it("cancels a running response on request: the stream ends with response.incomplete", async () => {
    const openai = h.project("alice").getOpenAIClient();
    const stream = await openai.responses.create(
      { input: "another long one please", stream: true },
      { body: assistant },
    );
    const events: ResponseStreamEvent[] = [];
    let cancelled: Promise<{ status?: string }> | undefined;
    for await (const e of stream) {
      events.push(e);
      if (e.type === "response.output_text.delta" && !cancelled) {
        const id = (events[0] as Extract<ResponseStreamEvent, { type: "response.created" }>)
          .response.id;
        cancelled = h.project("alice").getOpenAIClient().responses.cancel(id);
      }
    }
    expect((await cancelled!).status).toBe("cancelled");
    const last = events.at(-1)!;
    expect(last.type).toBe("response.incomplete");
    expect(
      (last as Extract<ResponseStreamEvent, { type: "response.incomplete" }>).response.status,
    ).toBe("cancelled");
    expect(events.filter((e) => e.type === "response.output_text.delta").length).toBeLessThan(
      LONG_CHUNKS,
    );
  });

  it("treats cancelling a finished response as a no-op", async () => {
    const openai = h.project("alice").getOpenAIClient();
    const done = await openai.responses.create({ input: "hello" }, { body: assistant });
    expect((await openai.responses.cancel(done.id)).status).toBe("completed");
  });

  it("refuses requests without a valid token for the agent service (401)", async () => {
    const url = `${h.endpoint}/agents?api-version=v1`;
    const none = await fetch(url);
    expect(none.status).toBe(401);
    // challenge_without_token (regression): no credentials → the bare challenge, no error code.
    expect(none.headers.get("www-authenticate")).toBe("Bearer");
    expect(await none.json()).toEqual({
      error: {
        message: expect.any(String),
        type: "authentication_error",
        code: "missing_token",
        param: null,
      },
    });
    const garbage = await fetch(url, { headers: { authorization: "Bearer not.a.jwt" } });
    expect(garbage.status).toBe(401);
    expect(garbage.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    const { mintLocalAccessToken } = await import("@/lib/identity/local-idp/tokens");
    const apiToken = await mintLocalAccessToken({ username: "alice", audience: "api" });
    expect((await fetch(url, { headers: { authorization: `Bearer ${apiToken}` } })).status).toBe(
      401,
    );

    const badCredential = {
      getToken: async () => ({ token: "bogus", expiresOnTimestamp: Date.now() + 60_000 }),
    };
    const { AIProjectClient } = await import("@azure/ai-projects");
    const { projectClientOptions } = await import("@/lib/agents/project-client");
    const { getConfig } = await import("@/lib/config");
    const project = new AIProjectClient(
      h.endpoint,
      badCredential,
      projectClientOptions(getConfig().agents, badCredential),
    );
    await expect(project.agents.get("assistant")).rejects.toMatchObject({ statusCode: 401 });
    await expect(project.getOpenAIClient().conversations.create({})).rejects.toMatchObject({
      status: 401,
    });
  });

  it("answers unknown routes, wrong methods and bad bodies in OpenAI's error shape", async () => {
    const auth = { authorization: `Bearer ${await h.token("alice")}` };
    const unknown = await fetch(`${h.endpoint}/openai/v1/nope`, { headers: auth });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      error: {
        message: expect.any(String),
        type: "invalid_request_error",
        code: "not_found",
        param: null,
      },
    });

    expect((await fetch(`${h.endpoint}/openai/v1/conversations`, { headers: auth })).status).toBe(
      405,
    );
    expect((await fetch(`${h.url()}/elsewhere`, { headers: auth })).status).toBe(404);

    const badJson = await fetch(`${h.endpoint}/openai/v1/responses`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: "{not json",
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({
      error: { type: "invalid_request_error", code: "invalid_json" },
    });

    const badShape = await fetch(`${h.endpoint}/openai/v1/responses`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ input: 42, ...assistant }),
    });
    expect(badShape.status).toBe(400);
    expect(await badShape.json()).toMatchObject({
      error: { type: "invalid_request_error", param: "input" },
    });

    const noAgent = await fetch(`${h.endpoint}/openai/v1/responses`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({
        input: "hi",
        agent_reference: { type: "agent_reference", name: "ghost" },
      }),
    });
    expect(noAgent.status).toBe(404);
    expect(await noAgent.json()).toMatchObject({
      error: { code: "not_found", param: "agent_reference" },
    });
  });
});

import OpenAI from "openai";
import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forPrincipal, agentRunnerFor } from "@/lib/agents/agent-service";
import { ScriptedModel } from "@/lib/local-foundry/model/scripted";
import { grantConsentDirectly } from "../helpers/consent";
import { startHarness, type Harness } from "../local-foundry/harness";

/** AgentService exactly as the app builds it (config endpoint, per-user credential), against the local service over HTTP. */
describe("AgentService against the local agent service", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ model: () => new ScriptedModel({ pacingMs: 5 }) });
    // Not about consent: the users have consented to the default agent's tools connection.
    await grantConsentDirectly("alice");
    await grantConsentDirectly("bob");
  });
  afterAll(async () => h?.close());

  it("lists and gets agents", async () => {
    const service = forPrincipal(h.principal("alice"));
    const agents = await service.listAgents();
    expect(agents).toEqual(
      expect.arrayContaining([
        { name: "assistant", version: "1", description: "General assistant (local agent service)" },
        {
          name: "concise-assistant",
          version: "1",
          description: "Answers in one or two sentences (local agent service)",
        },
      ]),
    );
    expect(await service.getAgent("assistant")).toMatchObject({ name: "assistant", version: "1" });
    expect(await service.getAgent("no-such-agent")).toBeUndefined();
  });

  it("streams a response in a conversation, sending agent_reference and the traceparent", async () => {
    const service = agentRunnerFor(h.principal("alice"));
    const conversationId = await service.createConversation();
    expect(conversationId).toMatch(/^conv_/);
    const correlationId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const before = h.requests.length;
    const stream = await service.streamResponse({
      conversationId,
      agent: { name: "assistant", version: "1" },
      input: "hello",
      correlationId,
    });
    const events: ResponseStreamEvent[] = [];
    for await (const e of stream) events.push(e);
    expect(events[0]!.type).toBe("response.created");
    expect(events.at(-1)!.type).toBe("response.completed");

    const sent = h.requests.slice(before).find((r) => r.path.endsWith("/openai/v1/responses"))!;
    expect(sent.body).toEqual({
      conversation: conversationId,
      input: "hello",
      stream: true,
      agent_reference: { type: "agent_reference", name: "assistant", version: "1" },
    });
    expect(sent.headers.get("traceparent")).toMatch(
      new RegExp(`^00-${correlationId}-[0-9a-f]{16}-01$`),
    );
    // The local credential is a token for alice with the agent service's audience.
    expect(sent.headers.get("authorization")).toMatch(/^Bearer ey/);

    const second = await service.createResponse({
      conversationId,
      agent: { name: "assistant" },
      input: "and again",
    });
    expect(second.output_text).toContain("has 2 earlier messages");
  });

  it("acts for its user only: another user's conversation is not found", async () => {
    const conversationId = await forPrincipal(h.principal("alice")).createConversation();
    const bob = forPrincipal(h.principal("bob"));
    await expect(
      bob.streamResponse({ conversationId, agent: { name: "assistant" }, input: "hi" }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it("throws from the stream on an error frame (the RunDriver's failure path)", async () => {
    const service = forPrincipal(h.principal("alice"));
    const conversationId = await service.createConversation();
    const stream = await service.streamResponse({
      conversationId,
      agent: { name: "assistant" },
      input: "/fail",
    });
    const consume = async () => {
      for await (const e of stream) void e;
    };
    await expect(consume()).rejects.toBeInstanceOf(OpenAI.APIError);
  });

  it("cancels a running response, and stops it when the signal aborts", async () => {
    const service = forPrincipal(h.principal("alice"));
    const conversationId = await service.createConversation();
    const stream = await service.streamResponse({
      conversationId,
      agent: { name: "assistant" },
      input: "long please",
    });
    let cancelled: Promise<string> | undefined;
    let last = "";
    for await (const e of stream) {
      if (e.type === "response.created") {
        const id = e.response.id;
        cancelled = new Promise((r) => setTimeout(r, 30)).then(() => service.cancelResponse(id));
      }
      last = e.type;
    }
    expect(last).toBe("response.incomplete");
    expect(await cancelled).toBe("cancelled");

    const controller = new AbortController();
    const aborted = await service.streamResponse({
      conversationId,
      agent: { name: "assistant" },
      input: "long again",
      signal: controller.signal,
    });
    let deltas = 0;
    const consume = async () => {
      for await (const e of aborted)
        if (e.type === "response.output_text.delta" && ++deltas === 2) controller.abort();
    };
    await consume().catch(() => undefined);
    expect(deltas).toBe(2);
  });
});

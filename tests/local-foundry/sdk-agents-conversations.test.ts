import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getConfig } from "@/lib/config";
import { startHarness, type Harness } from "./harness";

/** The real @azure/ai-projects client (and its OpenAI client) against the local service over HTTP. */
describe("local agent service: agents and conversations through the SDK", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it("serves the seeded default agent", async () => {
    const agent = await h.project("alice").agents.get(getConfig().agents.defaultAgent);
    expect(agent.name).toBe("assistant");
    expect(agent.versions.latest.version).toBe("1");
    expect(agent.versions.latest.definition).toMatchObject({ kind: "prompt", model: "scripted" });
    expect(agent.versions.latest.created_at).toBeInstanceOf(Date);
  });

  it("creates versions, gets, lists and deletes them", async () => {
    const project = h.project("dana");
    const v1 = await project.agents.createVersion("my-agent-basic", {
      kind: "prompt",
      model: "scripted",
      instructions: "You are a helpful assistant that answers general questions",
    });
    expect(v1).toMatchObject({
      object: "agent.version",
      id: "my-agent-basic:1",
      name: "my-agent-basic",
      version: "1",
      description: "",
    });
    const v2 = await project.agents.createVersion(
      "my-agent-basic",
      { kind: "prompt", model: "scripted" },
      { description: "second" },
    );
    expect(v2.version).toBe("2");

    const agent = await project.agents.get("my-agent-basic");
    expect(agent.versions.latest).toMatchObject({ version: "2", description: "second" });

    const names: string[] = [];
    for await (const a of project.agents.list()) names.push(a.name);
    expect(names).toEqual(
      expect.arrayContaining(["assistant", "concise-assistant", "my-agent-basic"]),
    );
    expect(names).toEqual([...names].sort());

    const deleted = await project.agents.deleteVersion("my-agent-basic", "2");
    expect(deleted).toEqual({
      object: "agent.version.deleted",
      name: "my-agent-basic",
      version: "2",
      deleted: true,
    });
    expect((await project.agents.get("my-agent-basic")).versions.latest.version).toBe("1");
  });

  it("pages the agent list with the SDK's cursor (has_more / last_id)", async () => {
    const project = h.project("dana");
    for (const n of ["page-a", "page-b", "page-c"])
      await project.agents.createVersion(n, { kind: "prompt", model: "scripted" });
    const pages: string[][] = [];
    for await (const page of project.agents.list({ limit: 2 }).byPage())
      pages.push(page.map((a) => a.name));
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.every((p) => p.length <= 2)).toBe(true);
    const all = pages.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all).toEqual(expect.arrayContaining(["page-a", "page-b", "page-c", "assistant"]));
  });

  it("answers 404 for an unknown agent and 400 for an invalid definition, as RestErrors", async () => {
    const project = h.project("dana");
    await expect(project.agents.get("no-such-agent")).rejects.toMatchObject({ statusCode: 404 });
    await expect(
      project.agents.createVersion("bad name!", { kind: "prompt", model: "m" }),
    ).rejects.toMatchObject({ statusCode: 400 });
    await expect(
      project.agents.createVersion("hosted-one", { kind: "workflow" } as never),
    ).rejects.toMatchObject({ statusCode: 400 });
  });

  it("creates a conversation with items, adds items and lists them in OpenAI's list shape", async () => {
    const openai = h.project("alice").getOpenAIClient();
    const conv = await openai.conversations.create({
      items: [
        { type: "message", role: "user", content: "What is the size of France in square miles?" },
      ],
    });
    expect(conv).toMatchObject({ object: "conversation", metadata: {} });
    expect(conv.id).toMatch(/^conv_/);
    expect(typeof conv.created_at).toBe("number");

    const added = await openai.conversations.items.create(conv.id, {
      items: [{ type: "message", role: "user", content: "And what is the capital city?" }],
    });
    expect(added.object).toBe("list");
    expect(added.data[0]).toMatchObject({
      type: "message",
      role: "user",
      content: [{ type: "input_text", text: "And what is the capital city?" }],
      status: "completed",
    });

    const asc = [];
    for await (const item of openai.conversations.items.list(conv.id, { order: "asc" }))
      asc.push(item);
    expect(asc.map((i) => (i as { content: { text: string }[] }).content[0]!.text)).toEqual([
      "What is the size of France in square miles?",
      "And what is the capital city?",
    ]);
    const desc = await openai.conversations.items.list(conv.id, { limit: 1 });
    expect(desc.data).toHaveLength(1);
    expect(desc.has_more).toBe(true);
    expect((desc.data[0] as { id: string }).id).toBe(asc[1]!.id);

    expect(await openai.conversations.retrieve(conv.id)).toMatchObject({
      id: conv.id,
      object: "conversation",
    });
    expect(await openai.conversations.delete(conv.id)).toEqual({
      object: "conversation.deleted",
      deleted: true,
      id: conv.id,
    });
    await expect(openai.conversations.retrieve(conv.id)).rejects.toMatchObject({ status: 404 });
  });

  it("keeps conversations to their owner: another user gets 404", async () => {
    const alice = h.project("alice").getOpenAIClient();
    const bob = h.project("bob").getOpenAIClient();
    const conv = await alice.conversations.create({});
    await expect(bob.conversations.retrieve(conv.id)).rejects.toMatchObject({ status: 404 });
    await expect(bob.conversations.items.list(conv.id)).rejects.toMatchObject({ status: 404 });
    await expect(
      bob.conversations.items.create(conv.id, {
        items: [{ type: "message", role: "user", content: "hi" }],
      }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(bob.conversations.delete(conv.id)).rejects.toMatchObject({ status: 404 });
    await expect(
      bob.responses.create(
        { conversation: conv.id, input: "sneak" },
        { body: { agent_reference: { type: "agent_reference", name: "assistant" } } },
      ),
    ).rejects.toMatchObject({ status: 404, error: { param: "conversation" } });
    expect((await alice.conversations.items.list(conv.id)).data).toEqual([]);
  });
});

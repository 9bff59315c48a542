import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getConfig } from "@/lib/config";
import { grantConsent } from "./consent-helpers";
import { startHarness, type Harness } from "./harness";
import {
  addedItem,
  assistant,
  CALL,
  connectProvider,
  doneItem,
  finalText,
  LISTING,
  MESSAGE,
  outboxCount,
  shape,
  streamEvents,
  toolTestEnv,
} from "./mcp-helpers";

/**
 * The default agent's MCP tool, run as Foundry runs it: the real openai client → the local
 * service → our /api/mcp over HTTP (the real server, sandbox providers).
 */
describe("local agent service: MCP tools", () => {
  let h: Harness;
  let alice: OpenAI;
  beforeAll(async () => {
    toolTestEnv();
    h = await startHarness();
    alice = h.project("alice").getOpenAIClient();
    // The default agent calls our server as the user through the mcp-oauth connection.
    for (const user of ["alice", "bob", "carol"] as const) await grantConsent(h, user);
  });
  afterAll(async () => h?.close());

  it("lists the server's tools first, in Foundry's frames, filtered by allowed_tools", async () => {
    const events = await streamEvents(alice, { input: "hello there" });
    expect(shape(events)).toEqual([
      "response.created",
      "response.in_progress",
      ...LISTING,
      ...MESSAGE,
      "response.completed",
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const responseId = (events[0] as { response: { id: string } }).response.id;
    expect(addedItem(events, "mcp_list_tools")).toMatchObject({
      tools: [],
      response_id: responseId,
    });
    const listing = doneItem(events, "mcp_list_tools") as {
      id: string;
      server_label: string;
      tools: Record<string, unknown>[];
    };
    expect(listing.id).toMatch(/^mcpl_/);
    expect(listing.server_label).toBe(getConfig().mcp.serverLabel);
    expect(listing).toMatchObject({
      created_by: { agent: { type: "agent_id", name: "assistant" } },
      response_id: responseId,
    });
    expect(listing).not.toHaveProperty("error");
    const names = listing.tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["twilio_send_sms", "tavily_search"]));
    const agent = await h.project("alice").agents.get("assistant");
    const allowed = (agent.versions.latest.definition as { tools: { allowed_tools: string[] }[] })
      .tools[0]!.allowed_tools;
    expect(names.every((n) => allowed.includes(n as string))).toBe(true);
    for (const t of listing.tools) {
      expect(Object.keys(t)).toEqual(["name", "description", "input_schema", "annotations"]);
    }
  });

  it("runs a read call at once and cites the search results it quotes", async () => {
    const events = await streamEvents(alice, { input: "Search the web for electric SUVs" });
    expect(shape(events)).toEqual([
      "response.created",
      "response.in_progress",
      ...LISTING,
      ...CALL,
      "response.mcp_call.completed",
      "response.output_item.done:mcp_call",
      ...MESSAGE,
      "response.completed",
    ]);
    const added = addedItem(events, "mcp_call");
    expect(added).toMatchObject({ status: "calling", arguments: "", approval_request_id: null });
    expect(added).not.toHaveProperty("output");
    const delta = events.find((e) => e.type === "response.mcp_call_arguments.delta") as unknown as {
      delta: string;
      obfuscation: string;
      item_id: string;
    };
    expect(JSON.parse(delta.delta)).toEqual({ query: "electric SUVs" });
    expect(typeof delta.obfuscation).toBe("string");
    const call = doneItem(events, "mcp_call");
    expect(call).toMatchObject({
      id: delta.item_id,
      status: "completed",
      name: "tavily_search",
      arguments: '{"query":"electric SUVs"}',
    });
    expect(call.id).toMatch(/^mcp_/);
    expect(call).not.toHaveProperty("error");
    const results = JSON.parse(call.output as string).results as { url: string; title: string }[];
    expect(results.length).toBeGreaterThan(0);

    const text = finalText(events);
    const textDone = events.find((e) => e.type === "response.output_text.done")!;
    expect(textDone).not.toHaveProperty("annotations");
    const part = events.find((e) => e.type === "response.content_part.done") as {
      part: {
        annotations: {
          type: string;
          url: string;
          title: string;
          start_index: number;
          end_index: number;
        }[];
      };
    };
    const citations = part.part.annotations;
    expect(citations.length).toBeGreaterThan(0);
    expect(citations[0]).toMatchObject({
      type: "url_citation",
      url: results[0]!.url,
      title: results[0]!.title,
    });
    for (const c of citations) expect(text.slice(c.start_index, c.end_index)).toContain(c.url);
    const message = doneItem(events, "message") as { content: { annotations: unknown[] }[] };
    expect(message.content[0]!.annotations).toEqual(citations);
  });

  it("asks for approval of a write: mcp_approval_request, then the response ends completed", async () => {
    const conv = await alice.conversations.create({});
    const events = await streamEvents(alice, {
      conversation: conv.id,
      input: "Send an SMS to +14155550100 saying hello",
    });
    expect(shape(events)).toEqual([
      "response.created",
      "response.in_progress",
      ...LISTING,
      "response.output_item.added:mcp_approval_request",
      "response.output_item.done:mcp_approval_request",
      "response.completed",
    ]);
    const request = doneItem(events, "mcp_approval_request");
    expect(addedItem(events, "mcp_approval_request")).toEqual(request);
    expect(request).toMatchObject({
      type: "mcp_approval_request",
      server_label: getConfig().mcp.serverLabel,
      name: "twilio_send_sms",
      arguments: JSON.stringify({ to: "+14155550100", body: "hello" }),
    });
    expect(request.id).toMatch(/^mcpr_/);
    expect(request).not.toHaveProperty("status");
    const completed = events.at(-1) as { response: { status: string; output: { type: string }[] } };
    expect(completed.response.status).toBe("completed");
    expect(completed.response.output.map((o) => o.type)).toEqual([
      "mcp_list_tools",
      "mcp_approval_request",
    ]);
    const items = await alice.conversations.items.list(conv.id, { order: "asc" });
    expect(items.data.map((i) => i.type)).toEqual([
      "message",
      "mcp_list_tools",
      "mcp_approval_request",
    ]);
    expect(await outboxCount("alice")).toBe(0);
  });

  it("runs the call once approved: mcp_call with output, then the answer quotes it", async () => {
    await connectProvider("alice", "twilio");
    const conv = await alice.conversations.create({});
    const first = await streamEvents(alice, {
      conversation: conv.id,
      input: "Send an SMS to +14155550100 saying hello",
    });
    const requestId = doneItem(first, "mcp_approval_request").id as string;
    const events = await streamEvents(alice, {
      conversation: conv.id,
      input: [{ type: "mcp_approval_response", approval_request_id: requestId, approve: true }],
    });
    // No re-listing on a continuation (as the Foundry recording).
    expect(shape(events)).toEqual([
      "response.created",
      "response.in_progress",
      ...CALL,
      "response.mcp_call.completed",
      "response.output_item.done:mcp_call",
      ...MESSAGE,
      "response.completed",
    ]);
    expect(addedItem(events, "mcp_call")).toMatchObject({
      status: "calling",
      approval_request_id: requestId,
      name: "twilio_send_sms",
      arguments: "",
    });
    const call = doneItem(events, "mcp_call");
    expect(call).toMatchObject({ status: "completed", approval_request_id: requestId });
    const sid = JSON.parse(call.output as string).sid as string;
    expect(sid).toMatch(/^SM/);
    expect(finalText(events)).toContain(`Sent your SMS to +14155550100 (message ${sid}`);
    expect(await outboxCount("alice")).toBe(1);

    // Answered already, or unknown: 400, and nothing is sent again.
    for (const id of [requestId, "mcpr_unknown"]) {
      await expect(
        alice.responses.create(
          {
            conversation: conv.id,
            input: [{ type: "mcp_approval_response", approval_request_id: id, approve: true }],
          },
          { body: assistant },
        ),
      ).rejects.toMatchObject({ status: 400 });
    }
    expect(await outboxCount("alice")).toBe(1);
  });

  it("makes no call when rejected, and says so with the reason", async () => {
    await connectProvider("bob", "twilio");
    const bob = h.project("bob").getOpenAIClient();
    const conv = await bob.conversations.create({});
    const first = await streamEvents(bob, {
      conversation: conv.id,
      input: "Send a WhatsApp message to +14155550100 saying hello",
    });
    const request = doneItem(first, "mcp_approval_request");
    expect(request.name).toBe("twilio_send_whatsapp");
    const events = await streamEvents(bob, {
      conversation: conv.id,
      input: [
        {
          type: "mcp_approval_response",
          approval_request_id: request.id,
          approve: false,
          reason: "wrong number",
        },
      ],
    });
    expect(shape(events)).toEqual([
      "response.created",
      "response.in_progress",
      ...MESSAGE,
      "response.completed",
    ]);
    const text = finalText(events);
    expect(text).toContain("not made");
    expect(text).toContain("wrong number");
    expect(await outboxCount("bob")).toBe(0);
  });

  it("turns an error result into a failed mcp_call; the response completes and explains it", async () => {
    const carol = h.project("carol").getOpenAIClient(); // never connected Twilio
    const conv = await carol.conversations.create({});
    const first = await streamEvents(carol, {
      conversation: conv.id,
      input: "Send an SMS to +14155550100 saying hello",
    });
    const requestId = doneItem(first, "mcp_approval_request").id;
    const events = await streamEvents(carol, {
      conversation: conv.id,
      input: [{ type: "mcp_approval_response", approval_request_id: requestId, approve: true }],
    });
    expect(shape(events)).toEqual([
      "response.created",
      "response.in_progress",
      ...CALL,
      "response.mcp_call.failed",
      "response.output_item.done:mcp_call",
      ...MESSAGE,
      "response.completed",
    ]);
    const call = doneItem(events, "mcp_call");
    expect(call.status).toBe("failed");
    expect(call).not.toHaveProperty("output");
    const error = JSON.parse(call.error as string) as { code: string; connect_url: string };
    expect(error.code).toBe("auth_required");
    expect(error.connect_url).toContain("/connect/twilio");
    const text = finalText(events);
    expect(text).toContain("Connect your Twilio account");
    expect(text).toContain(error.connect_url);
    const completed = events.at(-1) as { response: { status: string } };
    expect(completed.response.status).toBe("completed");
  });

  it("continues with previous_response_id (history = the chain)", async () => {
    await connectProvider("alice", "graph");
    const first = await alice.responses.create(
      { input: "Create a task called Call the dealer" },
      { body: assistant },
    );
    const request = first.output.find((o) => o.type === "mcp_approval_request")!;
    expect(request).toMatchObject({
      name: "planner_create_task",
      arguments: '{"title":"Call the dealer"}',
    });
    const second = await alice.responses.create(
      {
        previous_response_id: first.id,
        input: [{ type: "mcp_approval_response", approval_request_id: request.id, approve: true }],
      },
      { body: assistant },
    );
    expect(second.output.map((o) => o.type)).toEqual(["mcp_call", "message"]);
    expect(second.output[0]).toMatchObject({
      status: "completed",
      approval_request_id: request.id,
    });
    expect(second.output_text).toContain("Created the task “Call the dealer”");
    await expect(
      alice.responses.create(
        {
          previous_response_id: second.id,
          input: [
            { type: "mcp_approval_response", approval_request_id: request.id, approve: true },
          ],
        },
        { body: assistant },
      ),
    ).rejects.toMatchObject({ status: 400 });
  });
});

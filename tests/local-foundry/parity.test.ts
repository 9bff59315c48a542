import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRecording, sseFramesOf } from "../helpers/recordings";
import { addPlainAgent, parseSse, PLAIN_AGENT, startHarness, type Harness } from "./harness";

type Obj = Record<string, unknown>;
const keys = (o: unknown) => Object.keys(o as Obj).sort();

/**
 * Shape parity with real Foundry traffic: for every event type both streams have, the local
 * service sends the same keys (in the event, its `response`, its `item`, its `part`).
 */
describe("local agent service matches the recorded Foundry shapes", () => {
  let h: Harness;
  let local: { event: string; data: Obj }[];
  const recordedStream = loadRecording("file_search").Entries.find((e) =>
    Array.isArray(e.ResponseBody),
  )!;
  const recorded = sseFramesOf(recordedStream).map((f) => ({
    event: f.event!,
    data: f.data as Obj,
  }));
  const recordedFailure = sseFramesOf(
    loadRecording("openapi_tool").Entries.find((e) => Array.isArray(e.ResponseBody))!,
  ).map((f) => ({ event: f.event!, data: f.data as Obj }));

  beforeAll(async () => {
    h = await startHarness();
    await addPlainAgent(h);
    local = await stream("hello");
  });
  afterAll(async () => h?.close());

  async function stream(input: string) {
    const res = await fetch(`${h.endpoint}/openai/v1/responses`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await h.token("alice")}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        input,
        stream: true,
        agent_reference: { type: "agent_reference", name: PLAIN_AGENT },
      }),
    });
    return parseSse(await res.text());
  }

  const messageFrames = (frames: { event: string; data: Obj }[]) =>
    frames.filter(
      (f) =>
        !f.event.includes("file_search") &&
        !f.event.includes("annotation") &&
        ((f.data.item as Obj)?.type ?? "message") === "message",
    );

  it("sends the same event types in the same order for a text answer", () => {
    const dedupe = (xs: string[]) => xs.filter((x, i) => x !== xs[i - 1]);
    expect(dedupe(local.map((f) => f.event))).toEqual(
      dedupe(messageFrames(recorded).map((f) => f.event)),
    );
  });

  it("uses the same keys in every event, response, item and content part", () => {
    for (const ours of local) {
      const theirs = messageFrames(recorded).find((f) => f.event === ours.event)!;
      expect(keys(ours.data), ours.event).toEqual(keys(theirs.data));
      for (const k of ["response", "item", "part"] as const) {
        if (!theirs.data[k]) continue;
        expect(keys(ours.data[k]), `${ours.event}.${k}`).toEqual(keys(theirs.data[k]));
      }
    }
  });

  it("shapes the failure like the recorded one: error frame, then response.failed", async () => {
    const failed = await stream("/fail");
    const [ourError, ourFailed] = failed.slice(-2);
    const [theirError, theirFailed] = recordedFailure.slice(-2);
    expect(ourError!.event).toBe(theirError!.event);
    expect(keys(ourError!.data)).toEqual(keys(theirError!.data));
    expect(keys(ourError!.data.error)).toEqual(keys(theirError!.data.error));
    expect(ourFailed!.event).toBe(theirFailed!.event);
    expect(keys(ourFailed!.data.response)).toEqual(keys(theirFailed!.data.response));
    expect(keys((ourFailed!.data.response as Obj).error)).toEqual(
      keys((theirFailed!.data.response as Obj).error),
    );
  });

  it("answers non-streaming with the recorded response and item keys (plus conversation when bound)", async () => {
    const recordedResponse = loadRecording("conversation_flow").Entries[2]!.ResponseBody as Obj;
    const openai = h.project("alice").getOpenAIClient();
    const conv = await openai.conversations.create({});
    const ours = (await openai.responses.create(
      { conversation: conv.id, input: "hi" },
      { body: { agent_reference: { type: "agent_reference", name: PLAIN_AGENT } } },
    )) as unknown as Obj;
    expect(keys(ours)).toEqual(expect.arrayContaining(keys(recordedResponse)));
    const ourItem = (ours.output as Obj[])[0]!;
    const theirItem = (recordedResponse.output as Obj[])[0]!;
    expect(keys(ourItem)).toEqual(keys(theirItem));
    expect(keys((ourItem.content as Obj[])[0])).toEqual(keys((theirItem.content as Obj[])[0]));
  });
});

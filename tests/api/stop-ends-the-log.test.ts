import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { draft, type ChatEvent } from "@/lib/chat/events";
import { appendEvents, readEvents } from "@/lib/chat/event-log";
import { EventWriter } from "@/lib/chat/event-writer";
import { cancelRun, drainRuns, setAgentRunnerFactory } from "@/lib/chat/run-driver";
import { createRun } from "@/lib/chat/runs";
import { conversations } from "@/lib/db/schema";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { startTestApp, type TestApp } from "../helpers/app";
import { grantConsentDirectly } from "../helpers/consent";
import { readSse } from "../helpers/sse";

/**
 * Regression (security review, "Stop"): text kept arriving after Stop. Once the cancel request
 * has answered, the conversation's log ends with `run.cancelled`: nothing the upstream still
 * streams, nothing queued in the writer, nothing from a replica that heard of the Stop late.
 */

let app: TestApp;
let alice: string;

beforeAll(async () => {
  app = await startTestApp({ LOCAL_MODEL_PACING_MS: "20" });
  await grantConsentDirectly("alice");
  alice = await mintLocalAccessToken({ username: "alice" });
});
afterEach(async () => {
  await drainRuns();
  setAgentRunnerFactory(undefined);
});
afterAll(async () => app?.close());

function call(path: string, method = "GET", body?: unknown) {
  return fetch(`${app.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${alice}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function newConversation(): Promise<string> {
  return ((await (await call("/api/conversations", "POST", {})).json()) as { id: string }).id;
}

const isDelta = (e: ChatEvent) => e.type === "text.delta";
const afterCancel = (events: ChatEvent[]) =>
  events.slice(events.findIndex((e) => e.type === "run.cancelled") + 1);

let seq = 0;
const frame = (e: Record<string, unknown>) => ({ sequence_number: seq++, ...e });
const delta = (text: string) =>
  frame({
    type: "response.output_text.delta",
    item_id: "msg_1",
    output_index: 0,
    content_index: 0,
    delta: text,
  });

describe("Stop ends the conversation's log", () => {
  it("no_text_after_stop_even_when_the_upstream_keeps_streaming", async () => {
    // An upstream that does not stop when asked (or had more buffered): it keeps sending text
    // after the abort, then even says the response completed.
    setAgentRunnerFactory(() => ({
      createConversation: async () => `conv_stubborn_${seq}`,
      streamResponse: async ({ signal }) =>
        (async function* () {
          yield frame({
            type: "response.created",
            response: { id: "resp_1", status: "in_progress", output: [] },
          });
          yield delta("before stop ");
          await new Promise<void>((resolve) =>
            signal?.aborted ? resolve() : signal?.addEventListener("abort", () => resolve()),
          );
          for (let i = 0; i < 5; i++) yield delta("late ");
          const msg = {
            type: "message",
            id: "msg_1",
            role: "assistant",
            status: "completed",
            content: [{ type: "output_text", text: "before stop late", annotations: [] }],
          };
          yield frame({ type: "response.output_item.done", output_index: 0, item: msg });
          yield frame({
            type: "response.completed",
            response: { id: "resp_1", status: "completed", output: [msg] },
          });
        })(),
    }));
    const id = await newConversation();
    expect((await call(`/api/conversations/${id}/messages`, "POST", { text: "go" })).status).toBe(
      202,
    );
    await readSse(`${app.url}/api/conversations/${id}/events`, alice, { until: isDelta });
    expect((await call(`/api/conversations/${id}/cancel`, "POST")).status).toBe(202);
    const atCancel = await readEvents(id);
    await drainRuns();
    const later = await readEvents(id);

    expect(atCancel.at(-1)?.type).toBe("run.cancelled");
    expect(later).toEqual(atCancel);
    const text = later.filter(isDelta).map((e) => (e.data as { delta: string }).delta);
    expect(text.join("")).toBe("before stop ");
    // The conversation takes the next message (then stop that one too: this upstream never ends).
    expect(
      (await call(`/api/conversations/${id}/messages`, "POST", { text: "again" })).status,
    ).toBe(202);
    expect((await call(`/api/conversations/${id}/cancel`, "POST")).status).toBe(202);
  });

  it("no_text_after_stop_on_a_long_local_answer", async () => {
    const id = await newConversation();
    const sent = await call(`/api/conversations/${id}/messages`, "POST", {
      text: "Please give me a long answer",
    });
    expect(sent.status).toBe(202);
    await readSse(`${app.url}/api/conversations/${id}/events`, alice, { until: isDelta });
    expect((await call(`/api/conversations/${id}/cancel`, "POST")).status).toBe(202);
    const atCancel = await readEvents(id);
    await drainRuns();
    expect(atCancel.at(-1)?.type).toBe("run.cancelled");
    expect(await readEvents(id)).toEqual(atCancel);
  });

  it("late_stop_does_not_cancel_the_next_run: a Stop naming an ended run changes nothing", async () => {
    // Seen in the browser: Stop reached the server after the answer had ended and the next
    // message had started, and ended that next run instead.
    const id = await newConversation();
    const first = (await (
      await call(`/api/conversations/${id}/messages`, "POST", {
        text: "Please give me a long answer",
      })
    ).json()) as { runId: string };
    await readSse(`${app.url}/api/conversations/${id}/events`, alice, { until: isDelta });
    expect((await call(`/api/conversations/${id}/cancel`, "POST", first)).status).toBe(202);
    const second = (await (
      await call(`/api/conversations/${id}/messages`, "POST", { text: "Something short" })
    ).json()) as { runId: string };

    const late = await call(`/api/conversations/${id}/cancel`, "POST", first);
    expect(late.status).toBe(409);
    await drainRuns();
    const ends = (await readEvents(id)).filter(
      (e) => e.type.startsWith("run.") && e.type !== "run.started",
    );
    expect(ends.map((e) => [e.runId, e.type])).toEqual([
      [first.runId, "run.cancelled"],
      [second.runId, "run.completed"],
    ]);
    const bad = await call(`/api/conversations/${id}/cancel`, "POST", { runId: "nope" });
    expect(bad.status).toBe(400);
  });

  it("content_from_a_run_stopped_elsewhere_is_not_logged_after_its_end", async () => {
    // A run this process does not drive (another replica's, or one paused): Stop ends it here,
    // and whatever its driver still sends afterwards is dropped by the log itself.
    const id = await newConversation();
    const run = await createRun({
      conversationId: id,
      requestedBy: (await readOwner(id))!,
      agentName: "assistant",
      correlationId: "c",
    });
    const ctx = { conversationId: id, runId: run.id, correlationId: "c" };
    await appendEvents(ctx, [draft("run.started", { agent: { name: "assistant" }, input: "hi" })]);
    await cancelRun(id, "c");

    const writer = new EventWriter(ctx);
    await writer.push([draft("text.delta", { itemId: "m", delta: "late" })]);
    await writer.flush();
    await appendEvents(ctx, [draft("text.done", { itemId: "m", text: "late" })]);

    const events = await readEvents(id);
    expect(events.map((e) => e.type)).toEqual(["run.started", "run.cancelled"]);
    expect(afterCancel(events)).toEqual([]);
  });
});

async function readOwner(conversationId: string): Promise<string | undefined> {
  const [row] = await app.db.db
    .select({ ownerId: conversations.ownerId })
    .from(conversations)
    .where(eq(conversations.id, conversationId));
  return row?.ownerId;
}

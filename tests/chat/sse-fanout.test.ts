import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conversationChannel, getBus, setBus, type Bus } from "@/lib/bus";
import { MemoryBus } from "@/lib/bus/memory-bus";
import { createConversation } from "@/lib/chat/conversations";
import { appendEvents } from "@/lib/chat/event-log";
import { draft, parseChatEvent, type ChatEvent } from "@/lib/chat/events";
import { conversationEventStream } from "@/lib/chat/sse";
import { metrics } from "@/lib/telemetry/metrics";
import { insertUsers, useFreshDb } from "../helpers/db";
import { testPrincipal } from "../helpers/principals";

/**
 * The conversation's SSE streams on one process share one fan-out hub: one bus subscription for
 * all of them, the same encoded frame for every subscriber, one heartbeat timer; each stream still
 * gets every event exactly once, in order, whenever it joins; and nothing is left once they end.
 */

const alice = testPrincipal("alice");
let close: () => Promise<void>;
const bus = new MemoryBus();

beforeAll(async () => {
  const db = await useFreshDb("pglite");
  close = db.close;
  await insertUsers(db.handle, alice);
  setBus(bus);
});
afterAll(async () => {
  setBus(undefined);
  await close?.();
});

async function gauge(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await metrics().registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []).filter((v) =>
    Object.entries(labels).every(([k, l]) => v.labels[k] === l),
  );
  return values.reduce((sum, v) => sum + v.value, 0);
}

interface Reader {
  events: ChatEvent[];
  chunks: Uint8Array[];
  abort: () => void;
  done: Promise<void>;
}

function read(conversationId: string, after = 0): Reader {
  const controller = new AbortController();
  const stream = conversationEventStream({ conversationId, after, signal: controller.signal });
  const r: Reader = { events: [], chunks: [], abort: () => controller.abort(), done: undefined! };
  const decoder = new TextDecoder();
  let buffer = "";
  r.done = (async () => {
    const reader = stream.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      r.chunks.push(value);
      buffer += decoder.decode(value, { stream: true });
      for (const m of buffer.matchAll(/^data: (.*)$/gm))
        r.events.push(parseChatEvent(JSON.parse(m[1]!)));
      buffer = buffer.slice(buffer.lastIndexOf("\n\n") + 2);
    }
  })();
  return r;
}

const delta = (text: string) => draft("text.delta", { itemId: "m", delta: text });
const seqs = (r: Reader) => r.events.map((e) => e.seq);
const settle = () => new Promise((r) => setTimeout(r, 50));

describe("SSE fan-out", () => {
  it("many streams of a conversation share one bus subscription and get every event once, in order", async () => {
    const { id } = await createConversation(alice, { agentName: "assistant" });
    const ctx = { conversationId: id, runId: "run_f", correlationId: "c" };
    const channel = conversationChannel(id);
    await appendEvents(ctx, [delta("a"), delta("b")]);

    const early = Array.from({ length: 20 }, () => read(id));
    await settle();
    expect(bus.subscriberCount(channel)).toBe(1);
    expect(await gauge("fac_sse_fanout_hubs", { stream: "conversation" })).toBe(1);
    expect(await gauge("fac_sse_heartbeat_timers")).toBe(1);

    await appendEvents(ctx, [delta("c")]);
    // One joins mid-stream from its own Last-Event-ID, another from the start.
    const resumed = read(id, 2);
    const late = read(id);
    await appendEvents(ctx, [delta("d"), delta("e")]);
    await appendEvents(ctx, [draft("run.completed", {})]);
    await settle();

    for (const r of [...early, late]) expect(seqs(r)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seqs(resumed)).toEqual([3, 4, 5, 6]);
    expect(bus.subscriberCount(channel)).toBe(1);

    // A live event is encoded once: every early subscriber was handed the very same bytes.
    const lastChunk = (r: Reader) => r.chunks.at(-1)!;
    expect(new Set(early.map(lastChunk)).size).toBe(1);
    expect(new TextDecoder().decode(lastChunk(early[0]!))).toMatch(
      /^id: 6\nevent: run.completed\n/,
    );

    for (const r of [...early, resumed, late]) r.abort();
    await Promise.all([...early, resumed, late].map((r) => r.done));
    await settle();
    expect(bus.subscriberCount(channel)).toBe(0);
    expect(await gauge("fac_sse_connections", { stream: "conversation" })).toBe(0);
    expect(await gauge("fac_sse_fanout_hubs", { stream: "conversation" })).toBe(0);
    expect(await gauge("fac_sse_heartbeat_timers")).toBe(0);
    expect(await gauge("fac_bus_subscriptions", { channel: "conversation" })).toBe(0);
  });

  it("fills events whose notifications were lost from the log, for every stream", async () => {
    const { id } = await createConversation(alice, { agentName: "assistant" });
    const ctx = { conversationId: id, runId: "run_g", correlationId: "c" };
    const readers = Array.from({ length: 5 }, () => read(id));
    await appendEvents(ctx, [delta("a")]);
    await settle();

    // Two appends whose notifications never arrive (a bus that drops them), then one that does.
    const silent: Bus = {
      distributed: false,
      publish: async () => undefined,
      subscribe: async () => async () => undefined,
      close: async () => undefined,
    };
    setBus(silent);
    await appendEvents(ctx, [delta("b")]);
    await appendEvents(ctx, [delta("c"), delta("d")]);
    setBus(bus);
    await appendEvents(ctx, [draft("run.completed", {})]);
    await settle();

    for (const r of readers) expect(seqs(r)).toEqual([1, 2, 3, 4, 5]);
    for (const r of readers) r.abort();
    await Promise.all(readers.map((r) => r.done));
  });

  it("a stream whose client is gone before it started leaves nothing behind", async () => {
    const { id } = await createConversation(alice, { agentName: "assistant" });
    const controller = new AbortController();
    controller.abort();
    const stream = conversationEventStream({
      conversationId: id,
      after: 0,
      signal: controller.signal,
    });
    const { done } = await stream.getReader().read();
    expect(done).toBe(true);
    expect(bus.subscriberCount(conversationChannel(id))).toBe(0);
    expect(getBus()).toBe(bus);
    expect(await gauge("fac_sse_connections", { stream: "conversation" })).toBe(0);
    expect(await gauge("fac_sse_fanout_hubs", { stream: "conversation" })).toBe(0);
  });
});

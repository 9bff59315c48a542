import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setBus } from "@/lib/bus";
import { RedisBus } from "@/lib/bus/redis-bus";
import { createConversation } from "@/lib/chat/conversations";
import { draft, parseChatEvent, type ChatEvent } from "@/lib/chat/events";
import { appendEvents } from "@/lib/chat/event-log";
import { conversationEventStream } from "@/lib/chat/sse";
import { insertUsers, useFreshDb } from "../helpers/db";
import { testPrincipal } from "../helpers/principals";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const channel = (name: string) => `test:${name}:${Math.random().toString(36).slice(2)}`;
const settle = () => new Promise((r) => setTimeout(r, 150));

describe("Redis bus between replicas", () => {
  const replicaA = new RedisBus(REDIS_URL);
  const replicaB = new RedisBus(REDIS_URL);
  afterAll(async () => {
    await replicaA.close();
    await replicaB.close();
  });

  it("delivers what one replica publishes to another, in order", async () => {
    const ch = channel("order");
    const got: number[] = [];
    await replicaA.subscribe(ch, (m) => got.push((m as { n: number }).n));
    for (let n = 1; n <= 100; n++) await replicaB.publish(ch, { n });
    await expect.poll(() => got.length).toBe(100);
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it("stops delivering after unsubscribe, and keeps other subscribers", async () => {
    const ch = channel("unsub");
    const first: unknown[] = [];
    const second: unknown[] = [];
    const stopFirst = await replicaA.subscribe(ch, (m) => first.push(m));
    await replicaA.subscribe(ch, (m) => second.push(m));
    await replicaB.publish(ch, { a: 1 });
    await expect.poll(() => second.length).toBe(1);
    await stopFirst();
    await replicaB.publish(ch, { a: 2 });
    await expect.poll(() => second.length).toBe(2);
    await settle();
    expect(first).toEqual([{ a: 1 }]);
  });
});

describe("SSE on one replica, events written by another", () => {
  const alice = testPrincipal("alice");
  let close: () => Promise<void>;
  const streamReplica = new RedisBus(REDIS_URL);
  const writerReplica = new RedisBus(REDIS_URL);

  beforeAll(async () => {
    const db = await useFreshDb("pglite");
    close = db.close;
    await insertUsers(db.handle, alice);
  });
  afterAll(async () => {
    setBus(undefined);
    await streamReplica.close();
    await writerReplica.close();
    await close?.();
  });

  it("tails events that another replica appends and announces over Redis", async () => {
    const conversation = await createConversation(alice, { agentName: "assistant" });
    const ctx = { conversationId: conversation.id, runId: "run_r", correlationId: "c" };
    const controller = new AbortController();

    setBus(streamReplica);
    const stream = conversationEventStream({
      conversationId: conversation.id,
      after: 0,
      signal: controller.signal,
    });
    const reader = stream
      .pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>)
      .getReader();
    const received: ChatEvent[] = [];
    const reading = (async () => {
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        for (const m of buffer.matchAll(/^data: (.*)$/gm))
          received.push(parseChatEvent(JSON.parse(m[1]!)));
        buffer = buffer.slice(buffer.lastIndexOf("\n\n") + 2);
      }
    })();
    await settle();

    // The writing replica appends with its own bus, which publishes to Redis.
    setBus(writerReplica);
    await appendEvents(ctx, [draft("text.delta", { itemId: "m", delta: "Hel" })]);
    await appendEvents(ctx, [
      draft("text.delta", { itemId: "m", delta: "lo" }),
      draft("run.completed", {}),
    ]);

    await expect.poll(() => received.length, { timeout: 5_000 }).toBe(3);
    expect(received.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(received.map((e) => e.type)).toEqual(["text.delta", "text.delta", "run.completed"]);
    controller.abort();
    await reader.cancel();
    await reading.catch(() => undefined);
  });
});

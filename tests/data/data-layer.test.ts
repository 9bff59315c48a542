import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { draft } from "@/lib/chat/events";
import { appendEvents, appendMany, readEvents } from "@/lib/chat/event-log";
import {
  createConversation,
  deleteConversation,
  getOwnedConversation,
  listConversations,
  renameConversation,
} from "@/lib/chat/conversations";
import { createRun, finishRun, getActiveRun } from "@/lib/chat/runs";
import { AppError } from "@/lib/errors";
import { insertUsers, useFreshDb, type DbKind } from "../helpers/db";
import { testPrincipal } from "../helpers/principals";

const alice = testPrincipal("alice");
const bob = testPrincipal("bob");

describe.each<DbKind>(["pglite", "postgres"])("data layer on %s", (kind) => {
  let close: () => Promise<void>;

  beforeAll(async () => {
    const db = await useFreshDb(kind);
    close = db.close;
    await insertUsers(db.handle, alice, bob);
  });
  afterAll(async () => close?.());

  it("keeps each user's conversations to themselves", async () => {
    const mine = await createConversation(alice, { agentName: "assistant" });
    await createConversation(bob, { agentName: "assistant", title: "Bob's" });
    expect((await listConversations(alice)).map((c) => c.id)).toContain(mine.id);
    expect((await listConversations(bob)).map((c) => c.id)).not.toContain(mine.id);
    await expect(getOwnedConversation(bob, mine.id)).rejects.toMatchObject({ status: 404 });
    await expect(renameConversation(bob, mine.id, "hijack")).rejects.toBeInstanceOf(AppError);
    await expect(deleteConversation(bob, mine.id)).rejects.toMatchObject({ status: 404 });
    expect((await getOwnedConversation(alice, mine.id)).title).toBe("New conversation");
  });

  it("numbers concurrent appends without gaps or duplicates", async () => {
    const c = await createConversation(alice, { agentName: "assistant" });
    const ctx = { conversationId: c.id, runId: "run_x", correlationId: "corr" };
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        appendEvents(ctx, [draft("text.delta", { itemId: "m", delta: `${i}` })]),
      ),
    );
    const events = await readEvents(c.id);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(new Set(events.map((e) => (e.data as { delta: string }).delta)).size).toBe(25);
    expect((await readEvents(c.id, 20)).map((e) => e.seq)).toEqual([21, 22, 23, 24, 25]);
    expect(events[0]).toMatchObject({
      conversationId: c.id,
      runId: "run_x",
      correlationId: "corr",
      type: "text.delta",
    });
    expect(new Date(events[0]!.at).toString()).not.toBe("Invalid Date");
  });

  it("appends several conversations' runs in one statement, each numbered after its own log, a finished run's content dropped", async () => {
    const run = async () => {
      const c = await createConversation(alice, { agentName: "assistant" });
      const r = await createRun({
        conversationId: c.id,
        requestedBy: alice.userId,
        agentName: "assistant",
        correlationId: "corr",
      });
      return { conversationId: c.id, runId: r.id, correlationId: "corr" };
    };
    const [live, ended] = [await run(), await run()];
    await appendEvents(live, [draft("text.delta", { itemId: "m", delta: "a" })]);
    await appendEvents(ended, [draft("run.completed", {})], { finish: "completed" });
    const delta = (d: string) => draft("text.delta", { itemId: "m", delta: d });
    const [forLive, forEnded] = await appendMany([
      { ctx: live, drafts: [delta("b"), delta("c")] },
      {
        ctx: ended,
        drafts: [delta("late"), draft("run.failed", { code: "x", message: "x", retriable: false })],
      },
    ]);
    expect(forLive!.map((e) => e.seq)).toEqual([2, 3]);
    expect(forEnded!.map((e) => [e.seq, e.type])).toEqual([[2, "run.failed"]]);
    expect(
      (await readEvents(live.conversationId)).map((e) => (e.data as { delta?: string }).delta),
    ).toEqual(["a", "b", "c"]);
    expect((await readEvents(ended.conversationId)).map((e) => e.type)).toEqual([
      "run.completed",
      "run.failed",
    ]);
  });

  it("allows one unfinished run per conversation, and a finished run never changes", async () => {
    const c = await createConversation(alice, { agentName: "assistant" });
    const base = {
      conversationId: c.id,
      requestedBy: alice.userId,
      agentName: "assistant",
      correlationId: "c",
    };
    const results = await Promise.allSettled([createRun(base), createRun(base), createRun(base)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ status: 409 });
    const active = await getActiveRun(c.id);
    expect(active?.status).toBe("running");
    expect(await finishRun(active!.id, "completed")).toBe(true);
    expect(await finishRun(active!.id, "cancelled")).toBe(false);
    expect(await getActiveRun(c.id)).toBeUndefined();
    await expect(createRun(base)).resolves.toMatchObject({ status: "running" });
  });

  it("deletes a conversation with its events and runs", async () => {
    const c = await createConversation(alice, { agentName: "assistant" });
    await appendEvents({ conversationId: c.id, runId: "r", correlationId: "c" }, [
      draft("run.cancelled", {}),
    ]);
    await deleteConversation(alice, c.id);
    expect(await readEvents(c.id)).toEqual([]);
    await expect(getOwnedConversation(alice, c.id)).rejects.toMatchObject({ status: 404 });
  });
});

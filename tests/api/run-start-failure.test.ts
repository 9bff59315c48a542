import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drainRuns, setAgentRunnerFactory } from "@/lib/chat/run-driver";
import { runs } from "@/lib/db/schema";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { startTestApp, type TestApp } from "../helpers/app";
import { grantConsentDirectly } from "../helpers/consent";
import { isTerminal, readSse } from "../helpers/sse";

/**
 * Regression (security review): a run that failed before its first event (the database refused
 * its first write) stayed `running`, so every later message to the conversation was a 409 while
 * the UI showed nothing running. It now ends failed, with a run.failed the UI shows.
 */

let app: TestApp;
let alice: string;

beforeAll(async () => {
  app = await startTestApp();
  await grantConsentDirectly("alice");
  alice = await mintLocalAccessToken({ username: "alice" });
  // A database that refuses some writes: the run's first event, or its answer, when marked.
  await app.db.db.execute(sql`
    create function refuse_marked_events() returns trigger language plpgsql as $$
    begin
      if (new.type = 'run.started' and new.data::text like '%refuse-the-start%')
        or (new.type = 'text.done' and new.data::text like '%refuse-the-answer%') then
        raise exception 'simulated database failure';
      end if;
      return new;
    end $$`);
  await app.db.db.execute(sql`
    create trigger refuse_marked_events before insert on conversation_events
    for each row execute function refuse_marked_events()`);
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

const send = (id: string, text: string) =>
  call(`/api/conversations/${id}/messages`, "POST", { text });

/** The first ending (run.completed/failed/cancelled) logged after `after`. */
const endingAfter = async (id: string, after = 0) =>
  (
    await readSse(`${app.url}/api/conversations/${id}/events`, alice, {
      lastEventId: after,
      until: isTerminal,
    })
  ).events.at(-1)!;

describe("a run that fails early ends cleanly", () => {
  it("run_that_fails_before_its_first_event_ends_failed_and_next_message_is_accepted", async () => {
    const id = await newConversation();
    const refused = await send(id, "please refuse-the-start");
    expect(refused.status).toBe(500);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    const rows = await app.db.db.select().from(runs).where(eq(runs.conversationId, id));
    expect(rows.map((r) => r.status)).toEqual(["failed"]);
    const failed = await endingAfter(id);
    expect(failed).toMatchObject({ type: "run.failed", data: { retriable: true } });

    const next = await send(id, "hello again");
    expect(next.status).toBe(202);
    expect(await endingAfter(id, failed.seq)).toMatchObject({ type: "run.completed" });
  });

  it("run_whose_answer_cannot_be_saved_ends_failed_instead_of_hanging", async () => {
    const id = await newConversation();
    expect((await send(id, "please refuse-the-answer")).status).toBe(202);
    await drainRuns();
    const failed = await endingAfter(id);
    expect(failed).toMatchObject({
      type: "run.failed",
      data: { code: "not_saved", retriable: true },
    });
    expect((await send(id, "hello again")).status).toBe(202);
    expect(await endingAfter(id, failed.seq)).toMatchObject({ type: "run.completed" });
  });

  it("run_whose_upstream_throws_at_start_ends_failed_and_next_message_is_accepted", async () => {
    const id = await newConversation();
    setAgentRunnerFactory(() => ({
      createConversation: async () => {
        throw new Error("connect ECONNREFUSED");
      },
      streamResponse: async () => {
        throw new Error("not reached");
      },
    }));
    let failedAt = 0;
    try {
      expect((await send(id, "hello")).status).toBe(202);
      const failed = await endingAfter(id);
      expect(failed).toMatchObject({ type: "run.failed", data: { code: "agent_unavailable" } });
      failedAt = failed.seq;
    } finally {
      await drainRuns();
      setAgentRunnerFactory(undefined);
    }
    expect((await send(id, "hello again")).status).toBe(202);
    expect(await endingAfter(id, failedAt)).toMatchObject({ type: "run.completed" });
  });
});

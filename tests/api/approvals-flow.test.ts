import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { EventSourceParserStream } from "eventsource-parser/stream";
import type { ChatEvent } from "@/lib/chat/events";
import { approvals, runs, sandboxOutbox, sandboxPlannerTasks } from "@/lib/db/schema";
import { findDemoUser } from "@/lib/identity/local-idp/users";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { recordConnection } from "@/mcp-server/connections/store";
import { startTestApp, type TestApp } from "../helpers/app";
import { grantConsentDirectly } from "../helpers/consent";
import { isTerminal, readSse } from "../helpers/sse";

let app: TestApp;
const token: Record<string, string> = {};
const oid = (u: string) => findDemoUser(u)!.oid;

beforeAll(async () => {
  app = await startTestApp({ LOCAL_MODEL_PACING_MS: "0", APPROVAL_SWEEP_INTERVAL_MS: "200" });
  // Not about consent: the users have consented to the tools connection already.
  await grantConsentDirectly("alice");
  await grantConsentDirectly("bob");
  await grantConsentDirectly("carol");
  for (const u of ["alice", "bob", "carol"]) token[u] = await mintLocalAccessToken({ username: u });
  await recordConnection(oid("alice"), "twilio", "alice@contoso.local");
  await recordConnection(oid("alice"), "graph", "alice@contoso.local");
});
afterAll(async () => app?.close());

function api(path: string, who: string, init: RequestInit & { json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${token[who]}`);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  return fetch(`${app.url}${path}`, {
    ...init,
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });
}

async function ask(text: string, who = "alice"): Promise<{ id: string; events: ChatEvent[] }> {
  const res = await api("/api/conversations", who, { method: "POST", json: {} });
  const { id } = (await res.json()) as { id: string };
  expect(
    (await api(`/api/conversations/${id}/messages`, who, { method: "POST", json: { text } }))
      .status,
  ).toBe(202);
  const { events } = await readSse(`${app.url}/api/conversations/${id}/events`, token[who]!, {
    until: (e) => isTerminal(e) || e.type === "approval.requested",
  });
  return { id, events };
}

const decide = (approvalId: string, who: string, approve: boolean, reason?: string) =>
  api(`/api/approvals/${approvalId}/decision`, who, {
    method: "POST",
    json: reason ? { approve, reason } : { approve },
  });

async function rest(id: string, after: number, who = "alice") {
  return (
    await readSse(`${app.url}/api/conversations/${id}/events`, token[who]!, {
      lastEventId: after,
      until: isTerminal,
    })
  ).events;
}

function requested(events: ChatEvent[]) {
  const e = events.find((x) => x.type === "approval.requested");
  expect(e, "an approval.requested event").toBeDefined();
  return e as Extract<ChatEvent, { type: "approval.requested" }>;
}

async function outboxCount(): Promise<number> {
  return (
    await app.db.db
      .select()
      .from(sandboxOutbox)
      .where(eq(sandboxOutbox.userId, oid("alice")))
  ).length;
}

describe("approvals in the chat, end to end on the embedded defaults", () => {
  it("a read tool runs at once and the answer cites its sources", async () => {
    const { events } = await ask("Search the web for electric SUVs");
    const types = events.map((e) => e.type);
    expect(types).toContain("tools.listed");
    expect(events.find((e) => e.type === "tool.call.completed")).toMatchObject({
      data: { name: "tavily_search", kind: "mcp" },
    });
    const answer = events.findLast((e) => e.type === "text.done") as Extract<
      ChatEvent,
      { type: "text.done" }
    >;
    expect(answer.data.citations?.length).toBeGreaterThan(0);
    expect(answer.data.citations![0]).toMatchObject({
      kind: "url",
      url: expect.stringMatching(/^https:/),
    });
    expect(answer.data.text).not.toMatch(/【/);
    expect(types.at(-1)).toBe("run.completed");
  });

  it("a write call waits for the requester, runs once on approve, and the answer reports it", async () => {
    const before = await outboxCount();
    const { id, events } = await ask("Send an SMS to +14155550100 saying hello");
    const req = requested(events);
    expect(req.data).toMatchObject({ name: "twilio_send_sms", risk: "write" });
    expect(JSON.parse(req.data.arguments)).toMatchObject({ to: "+14155550100", body: "hello" });
    const approvalId = req.data.approvalId!;
    expect(approvalId).toMatch(/^appr_/);

    // The run waits; the request is listed as the requester's own.
    const mine = (await (
      await api("/api/approvals?scope=mine&status=pending", "alice")
    ).json()) as {
      items: { id: string; canDecide: boolean }[];
    };
    expect(mine.items).toContainEqual(expect.objectContaining({ id: approvalId, canDecide: true }));
    expect((await api(`/api/approvals/${approvalId}`, "bob")).status).toBe(404);
    expect((await decide(approvalId, "bob", true)).status).toBe(404);

    const res = await decide(approvalId, "alice", true);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: approvalId, status: "approved" });
    expect((await decide(approvalId, "alice", true)).status).toBe(409);

    const more = await rest(id, req.seq);
    expect(more[0]).toMatchObject({ type: "approval.decided", data: { approve: true } });
    expect(more.find((e) => e.type === "tool.call.completed")).toMatchObject({
      data: { name: "twilio_send_sms" },
    });
    expect(more.at(-1)?.type).toBe("run.completed");
    const answer = more
      .filter((e) => e.type === "text.done")
      .map((e) => (e.data as { text: string }).text)
      .join("");
    expect(answer).toContain("+14155550100");
    expect(await outboxCount()).toBe(before + 1);
    const [approval] = await app.db.db.select().from(approvals).where(eq(approvals.id, approvalId));
    expect(approval?.consumedAt).toBeInstanceOf(Date);
  });

  it("concurrent decisions continue the run exactly once", async () => {
    const before = await outboxCount();
    const { id, events } = await ask("Send an SMS to +14155550100 saying hello");
    const req = requested(events);
    const statuses = await Promise.all(
      [true, true, false, true].map(
        async (ok) => (await decide(req.data.approvalId!, "alice", ok)).status,
      ),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(3);
    const more = await rest(id, req.seq);
    expect(more.filter((e) => e.type === "approval.decided")).toHaveLength(1);
    expect(more.filter((e) => e.type === "run.completed")).toHaveLength(1);
    const approved = (more[0]!.data as { approve: boolean }).approve;
    expect(await outboxCount()).toBe(before + (approved ? 1 : 0));
  });

  it("a rejected call is never made and the answer says so", async () => {
    const before = await outboxCount();
    const { id, events } = await ask("Send an SMS to +14155550100 saying hello");
    const req = requested(events);
    expect((await decide(req.data.approvalId!, "alice", false, "Not now")).status).toBe(200);
    const more = await rest(id, req.seq);
    expect(more[0]).toMatchObject({
      type: "approval.decided",
      data: { approve: false, reason: "Not now" },
    });
    expect(more.some((e) => e.type.startsWith("tool.call"))).toBe(false);
    expect(more.at(-1)?.type).toBe("run.completed");
    expect(await outboxCount()).toBe(before);
  });

  it("a privileged call waits for an Approver who is not the requester; carol's inbox sees it live", async () => {
    const [task] = await app.db.db
      .insert(sandboxPlannerTasks)
      .values({
        id: "task-e2e-delete-1",
        userId: oid("alice"),
        planId: "personal",
        title: "Old task",
        etag: 'W/"1"',
      })
      .returning();
    const inbox = readInbox("carol", (e) => e.type === "approval.requested");
    const { id, events } = await ask(`Delete task ${task!.id}`);
    const req = requested(events);
    expect(req.data).toMatchObject({ name: "planner_delete_task", risk: "privileged" });
    const approvalId = req.data.approvalId!;
    expect((await inbox).some((e) => e.approval.id === approvalId)).toBe(true);

    expect((await decide(approvalId, "alice", true)).status).toBe(403);
    expect((await decide(approvalId, "bob", true)).status).toBe(404);
    const carolInbox = (await (await api("/api/approvals?scope=inbox", "carol")).json()) as {
      items: { id: string; canDecide: boolean; context: string }[];
    };
    expect(carolInbox.items).toContainEqual(
      expect.objectContaining({
        id: approvalId,
        canDecide: true,
        context: `Delete task ${task!.id}`,
      }),
    );
    expect((await decide(approvalId, "carol", true)).status).toBe(200);
    const more = await rest(id, req.seq);
    expect(more[0]).toMatchObject({
      type: "approval.decided",
      data: { approve: true, decidedBy: expect.stringContaining("Carol") },
    });
    expect(more.find((e) => e.type === "tool.call.completed")).toMatchObject({
      data: { name: "planner_delete_task" },
    });
    expect(more.at(-1)?.type).toBe("run.completed");
    const left = await app.db.db
      .select()
      .from(sandboxPlannerTasks)
      .where(eq(sandboxPlannerTasks.id, task!.id));
    expect(left).toHaveLength(0);
  });

  it("an unanswered request expires and the run ends cleanly, saying so", async () => {
    const { id, events } = await ask("Send an SMS to +14155550100 saying hello");
    const req = requested(events);
    await app.db.db
      .update(approvals)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(approvals.id, req.data.approvalId!));
    const more = await rest(id, req.seq);
    expect(more.at(-1)).toMatchObject({ type: "run.failed", data: { code: "approval_expired" } });
    expect((await decide(req.data.approvalId!, "alice", true)).status).toBe(409);
    const [run] = await app.db.db.select().from(runs).where(eq(runs.id, req.runId));
    expect(run?.status).toBe("failed");
    // The conversation is usable again.
    expect(
      (
        await api(`/api/conversations/${id}/messages`, "alice", {
          method: "POST",
          json: { text: "hi" },
        })
      ).status,
    ).toBe(202);
  });

  it("Stop on a run waiting for approval ends it and withdraws the request", async () => {
    const { id, events } = await ask("Send an SMS to +14155550100 saying hello");
    const req = requested(events);
    expect((await api(`/api/conversations/${id}/cancel`, "alice", { method: "POST" })).status).toBe(
      202,
    );
    const more = await rest(id, req.seq);
    expect(more.at(-1)?.type).toBe("run.cancelled");
    expect((await decide(req.data.approvalId!, "alice", true)).status).toBe(409);
  });
});

interface FeedEvent {
  seq: number;
  type: string;
  approval: { id: string; status: string };
}

/** Reads the approvals feed of `who` from now on until `until` matches (or 10 s pass). */
async function readInbox(who: string, until: (e: FeedEvent) => boolean): Promise<FeedEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  const res = await fetch(`${app.url}/api/approvals/events`, {
    headers: { authorization: `Bearer ${token[who]}` },
    signal: controller.signal,
  });
  const out: FeedEvent[] = [];
  try {
    const reader = res
      .body!.pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream())
      .getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const e = JSON.parse(value.data) as FeedEvent;
      out.push(e);
      if (until(e)) break;
    }
  } catch {
    // timed out: return what arrived
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return out;
}

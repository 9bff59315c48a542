import { eq } from "drizzle-orm";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ChatEvent } from "@/lib/chat/events";
import { drainRuns, setAgentRunnerFactory, type AgentRunner } from "@/lib/chat/run-driver";
import { runs } from "@/lib/db/schema";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { redactPaths } from "@/lib/log";
import { startTestApp, type TestApp } from "../helpers/app";
import { isTerminal, readSse } from "../helpers/sse";

/**
 * Consent through the chat API: a fake agent runner asks for consent (as Foundry and the local
 * service do: an `oauth_consent_request` item, response completed), then answers on the
 * continuation, which is a response bound to the same conversation with no new input.
 */

let app: TestApp;
const token: Record<string, string> = {};

type Script = (input: string | unknown[]) => unknown[];
const calls: { conversationId: string; input: string | unknown[] }[] = [];
let script: Script = () => [];

function fakeRunner(): AgentRunner {
  return {
    createConversation: async () =>
      `conv_fake_${calls.length}_${Math.random().toString(36).slice(2)}`,
    streamResponse: async ({ conversationId, input }) => {
      calls.push({ conversationId, input });
      const events = script(input);
      return (async function* () {
        for (const e of events) yield e;
      })();
    },
  };
}

let seq = 0;
let responses = 0;
function consentAnswer(link: string, consentId: string): unknown[] {
  const id = `resp_${++responses}`;
  const item = {
    type: "oauth_consent_request",
    id: consentId,
    consent_link: link,
    server_label: "toolbox",
  };
  return [
    {
      type: "response.created",
      sequence_number: seq++,
      response: { id, status: "in_progress", output: [] },
    },
    { type: "response.output_item.done", sequence_number: seq++, output_index: 0, item },
    {
      type: "response.completed",
      sequence_number: seq++,
      response: { id, status: "completed", output: [item] },
    },
  ];
}
function textAnswer(text: string): unknown[] {
  const id = `resp_${++responses}`;
  const msg = {
    type: "message",
    id: `msg_${responses}`,
    role: "assistant",
    status: "completed",
    content: [{ type: "output_text", text, annotations: [] }],
  };
  return [
    {
      type: "response.created",
      sequence_number: seq++,
      response: { id, status: "in_progress", output: [] },
    },
    {
      type: "response.output_text.delta",
      sequence_number: seq++,
      item_id: msg.id,
      output_index: 0,
      content_index: 0,
      delta: text,
    },
    { type: "response.output_item.done", sequence_number: seq++, output_index: 0, item: msg },
    {
      type: "response.completed",
      sequence_number: seq++,
      response: { id, status: "completed", output: [msg] },
    },
  ];
}

beforeAll(async () => {
  app = await startTestApp();
  for (const u of ["alice", "bob"]) token[u] = await mintLocalAccessToken({ username: u });
  setAgentRunnerFactory(() => fakeRunner());
});
afterEach(async () => {
  await drainRuns();
  calls.length = 0;
});
afterAll(async () => {
  setAgentRunnerFactory(undefined);
  await app?.close();
});

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

const continueUrl = (id: string, consentId: string) =>
  `/api/conversations/${id}/consents/${consentId}/continue`;

async function waitForStatus(runId: string, status: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const [row] = await app.db.db.select().from(runs).where(eq(runs.id, runId));
    if (row?.status === status) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`run ${runId} never reached ${status}`);
}

async function askForConsent(text: string, link: string, consentId: string) {
  script = (input) =>
    typeof input === "string" ? consentAnswer(link, consentId) : textAnswer("none");
  const created = await api("/api/conversations", "alice", { method: "POST", json: {} });
  const { id } = (await created.json()) as { id: string };
  const sent = await api(`/api/conversations/${id}/messages`, "alice", {
    method: "POST",
    json: { text },
  });
  expect(sent.status).toBe(202);
  const { runId } = (await sent.json()) as { runId: string };
  const { events } = await readSse(`${app.url}/api/conversations/${id}/events`, token.alice!, {
    until: (e) => isTerminal(e) || e.type === "consent.requested",
  });
  return { id, runId, events };
}

describe("consent in the chat, over HTTP", () => {
  it("asks, continues once with no new input, and answers in the same run", async () => {
    const link = () => `${app.url}/local-idp/authorize?client_id=toolbox&state=abc`;
    const { id, runId, events } = await askForConsent("List my repos", link(), "oacr_1");
    expect(events.map((e) => e.type)).toEqual(["run.started", "consent.requested"]);
    expect(events[1]!.data).toEqual({ consentId: "oacr_1", serverLabel: "toolbox", link: link() });
    await waitForStatus(runId, "awaiting_consent");

    // Someone else's conversation is a 404; an unknown consent a 409.
    expect((await api(continueUrl(id, "oacr_1"), "bob", { method: "POST" })).status).toBe(404);
    expect((await api(continueUrl(id, "oacr_other"), "alice", { method: "POST" })).status).toBe(
      409,
    );

    script = (input) =>
      Array.isArray(input) && input.length === 0 ? textAnswer("You have 3 repos.") : [];
    // Two continue calls at once (popup message and popup closing): one wins.
    const [a, b] = await Promise.all([
      api(continueUrl(id, "oacr_1"), "alice", { method: "POST" }),
      api(continueUrl(id, "oacr_1"), "alice", { method: "POST" }),
    ]);
    expect([a.status, b.status].sort()).toEqual([202, 409]);
    const winner = a.status === 202 ? a : b;
    expect(await winner.json()).toEqual({ runId });
    const loser = a.status === 202 ? b : a;
    expect(((await loser.json()) as { title: string }).title).toBe(
      "This sign-in request is no longer waiting.",
    );

    const all = (
      await readSse(`${app.url}/api/conversations/${id}/events`, token.alice!, {
        until: isTerminal,
      })
    ).events;
    expect(all.map((e) => e.type)).toEqual([
      "run.started",
      "consent.requested",
      "consent.completed",
      "text.delta",
      "text.done",
      "run.completed",
    ]);
    expect(new Set(all.map((e) => e.runId))).toEqual(new Set([runId]));
    expect(all.find((e) => e.type === "consent.completed")!.data).toEqual({ consentId: "oacr_1" });
    expect(all.find((e) => e.type === "text.done")!.data).toMatchObject({
      text: "You have 3 repos.",
    });
    // The continuation went to the same upstream conversation, with no input.
    expect(calls).toHaveLength(2);
    expect(calls[1]!.conversationId).toBe(calls[0]!.conversationId);
    expect(calls[1]!.input).toEqual([]);
    await waitForStatus(runId, "completed");

    // Nothing waits any more.
    expect((await api(continueUrl(id, "oacr_1"), "alice", { method: "POST" })).status).toBe(409);
  });

  it("asks again when the user closed the window without allowing: a new card, then the answer", async () => {
    const link = `${app.url}/local-idp/authorize?client_id=toolbox`;
    const { id, runId } = await askForConsent("List my repos", link, "oacr_a");
    await waitForStatus(runId, "awaiting_consent");
    let continuations = 0;
    script = () => (++continuations === 1 ? consentAnswer(link, "oacr_b") : textAnswer("Done."));
    expect((await api(continueUrl(id, "oacr_a"), "alice", { method: "POST" })).status).toBe(202);
    await drainRuns();
    await waitForStatus(runId, "awaiting_consent");
    expect((await api(continueUrl(id, "oacr_a"), "alice", { method: "POST" })).status).toBe(409);
    expect((await api(continueUrl(id, "oacr_b"), "alice", { method: "POST" })).status).toBe(202);
    const all = (
      await readSse(`${app.url}/api/conversations/${id}/events`, token.alice!, {
        until: isTerminal,
      })
    ).events;
    expect(all.map((e) => e.type)).toEqual([
      "run.started",
      "consent.requested",
      "consent.completed",
      "consent.requested",
      "consent.completed",
      "text.delta",
      "text.done",
      "run.completed",
    ]);
  });

  it("409 when nothing waits for consent; 404 for an unknown conversation", async () => {
    script = () => textAnswer("Hello.");
    const created = await api("/api/conversations", "alice", { method: "POST", json: {} });
    const { id } = (await created.json()) as { id: string };
    await api(`/api/conversations/${id}/messages`, "alice", {
      method: "POST",
      json: { text: "Hi" },
    });
    await readSse(`${app.url}/api/conversations/${id}/events`, token.alice!, { until: isTerminal });
    await drainRuns();
    expect((await api(continueUrl(id, "oacr_1"), "alice", { method: "POST" })).status).toBe(409);
    expect(
      (await api(continueUrl(crypto.randomUUID(), "oacr_1"), "alice", { method: "POST" })).status,
    ).toBe(404);
    expect((await api(continueUrl(id, "bad id!"), "alice", { method: "POST" })).status).toBe(400);
    expect((await fetch(`${app.url}${continueUrl(id, "oacr_1")}`, { method: "POST" })).status).toBe(
      401,
    );
  });

  it("a link off the allowlist fails the turn; the link is in no event and no log line", async () => {
    const key = Symbol.for("foundry-agent-chat.logger");
    const g = globalThis as { [key]?: pino.Logger };
    const previous = g[key];
    const lines: string[] = [];
    g[key] = pino(
      { level: "trace", redact: { paths: redactPaths, censor: "[redacted]" } },
      { write: (line: string) => void lines.push(line) },
    );
    try {
      const evil = "https://evil.example.net/login?session=secret-session-token";
      const { events } = await askForConsent("List my repos", evil, "oacr_evil");
      expect(events.map((e) => e.type)).toEqual(["run.started", "run.failed"]);
      const failed = events[1] as Extract<ChatEvent, { type: "run.failed" }>;
      expect(failed.data).toMatchObject({ code: "consent_link_not_allowed", retriable: false });
      await drainRuns();
      const stored = (
        await readSse(
          `${app.url}/api/conversations/${events[0]!.conversationId}/events`,
          token.alice!,
          {
            until: isTerminal,
          },
        )
      ).events;
      expect(JSON.stringify(stored)).not.toContain("evil.example.net");
      expect(lines.join("\n")).not.toContain("evil.example.net");
      expect(lines.join("\n")).not.toContain("secret-session-token");
    } finally {
      g[key] = previous;
    }
  });
});

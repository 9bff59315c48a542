import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { startTestApp, type TestApp } from "../helpers/app";
import { grantConsentDirectly } from "../helpers/consent";
import { isTerminal, readSse } from "../helpers/sse";

let app: TestApp;
let alice: string;
let bob: string;

beforeAll(async () => {
  app = await startTestApp({ LOCAL_MODEL_PACING_MS: "3" });
  // Not about consent: the users have consented to the tools connection already.
  await grantConsentDirectly("alice");
  await grantConsentDirectly("bob");
  alice = await mintLocalAccessToken({ username: "alice" });
  bob = await mintLocalAccessToken({ username: "bob" });
});
afterAll(async () => app?.close());

function api(path: string, token: string | undefined, init: RequestInit & { json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  if (token) headers.set("authorization", `Bearer ${token}`);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  return fetch(`${app.url}${path}`, {
    ...init,
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });
}

async function newConversation(token = alice): Promise<string> {
  const res = await api("/api/conversations", token, { method: "POST", json: {} });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function send(id: string, text: string, token = alice) {
  return api(`/api/conversations/${id}/messages`, token, { method: "POST", json: { text } });
}

describe("chat API on the embedded defaults", () => {
  it("answers health and readiness", async () => {
    expect((await api("/api/health", undefined)).status).toBe(200);
    expect((await api("/api/ready", undefined)).status).toBe(200);
  });

  it("lists the seeded agent from the local agent service", async () => {
    const res = await api("/api/agents", alice);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: { name: string; version: string }[] };
    expect(body.items.map((a) => a.name)).toContain("assistant");
    expect(res.headers.get("x-correlation-id")).toMatch(/^[0-9a-f]{32}$/);
  });

  it("streams an answer into the conversation's event log and keeps it", async () => {
    const id = await newConversation();
    const sent = await send(id, "What is the capital of France?");
    expect(sent.status).toBe(202);
    const { runId } = (await sent.json()) as { runId: string };

    const { events, ids } = await readSse(`${app.url}/api/conversations/${id}/events`, alice, {
      until: isTerminal,
    });
    expect(events[0]).toMatchObject({
      type: "run.started",
      runId,
      data: { agent: { name: "assistant" }, input: "What is the capital of France?" },
    });
    expect(events.at(-1)?.type).toBe("run.completed");
    expect(ids).toEqual(events.map((e) => String(e.seq)));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const deltas = events
      .filter((e) => e.type === "text.delta")
      .map((e) => (e.data as { delta: string }).delta);
    const done = events.find((e) => e.type === "text.done")!.data as { text: string };
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join("")).toBe(done.text);
    expect(done.text).toContain("What is the capital of France?");

    const convo = (await (await api(`/api/conversations/${id}`, alice)).json()) as {
      title: string;
      messages: { role: string; text: string; status?: string }[];
    };
    expect(convo.title).toBe("What is the capital of France?");
    expect(convo.messages).toMatchObject([
      { role: "user", text: "What is the capital of France?" },
      { role: "assistant", text: done.text, status: "completed" },
    ]);

    // A second turn goes to the same upstream conversation, so the model sees the history.
    await send(id, "And what about Spain?");
    const second = await readSse(`${app.url}/api/conversations/${id}/events`, alice, {
      lastEventId: events.at(-1)!.seq,
      until: isTerminal,
    });
    const text = (second.events.find((e) => e.type === "text.done")!.data as { text: string }).text;
    expect(text).toContain("2 earlier messages");
  });

  it("resumes a dropped event stream with Last-Event-ID: nothing lost, nothing twice", async () => {
    const id = await newConversation();
    await send(id, "Please give me a long answer");
    const first = await readSse(`${app.url}/api/conversations/${id}/events`, alice, { max: 7 });
    expect(first.events).toHaveLength(7);
    const rest = await readSse(`${app.url}/api/conversations/${id}/events`, alice, {
      lastEventId: first.events.at(-1)!.seq,
      until: isTerminal,
    });
    const all = [...first.events, ...rest.events];
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    const full = await readSse(`${app.url}/api/conversations/${id}/events?after=0`, alice, {
      until: isTerminal,
    });
    expect(all).toEqual(full.events);
  });

  it("stops a run server-side when asked", async () => {
    const id = await newConversation();
    await send(id, "Tell me something long please");
    const busy = await send(id, "another one");
    expect(busy.status).toBe(409);
    expect(busy.headers.get("content-type")).toBe("application/problem+json");
    const cancel = await api(`/api/conversations/${id}/cancel`, alice, { method: "POST" });
    expect(cancel.status).toBe(202);
    const { events } = await readSse(`${app.url}/api/conversations/${id}/events`, alice, {
      until: isTerminal,
    });
    expect(events.at(-1)?.type, JSON.stringify(events.slice(-3))).toBe("run.cancelled");
    expect((await api(`/api/conversations/${id}/cancel`, alice, { method: "POST" })).status).toBe(
      409,
    );
    expect((await send(id, "hello again")).status).toBe(202);
  });

  it("shows an upstream error frame as a failed run with the upstream's reason", async () => {
    const id = await newConversation();
    await send(id, "please /fail now");
    const { events } = await readSse(`${app.url}/api/conversations/${id}/events`, alice, {
      until: isTerminal,
    });
    expect(events.at(-1)).toMatchObject({ type: "run.failed", data: { code: "tool_user_error" } });
  });

  it("gives another user 404 for someone else's conversation, events and actions", async () => {
    const id = await newConversation(alice);
    for (const [path, init] of [
      [`/api/conversations/${id}`, {}],
      [`/api/conversations/${id}/events`, {}],
      [`/api/conversations/${id}/messages`, { method: "POST", json: { text: "hi" } }],
      [`/api/conversations/${id}/cancel`, { method: "POST" }],
      [`/api/conversations/${id}`, { method: "PATCH", json: { title: "mine now" } }],
      [`/api/conversations/${id}`, { method: "DELETE" }],
    ] as const) {
      const res = await api(path, bob, init as RequestInit & { json?: unknown });
      expect(res.status, `${init && "method" in init ? init.method : "GET"} ${path}`).toBe(404);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
    const list = (await (await api("/api/conversations", bob)).json()) as {
      items: { id: string }[];
    };
    expect(list.items.map((c) => c.id)).not.toContain(id);
    expect((await api(`/api/conversations/${id}`, alice)).status).toBe(200);
  });

  it("renames and deletes a conversation", async () => {
    const id = await newConversation();
    const renamed = await api(`/api/conversations/${id}`, alice, {
      method: "PATCH",
      json: { title: "Trip plans" },
    });
    expect(renamed.status).toBe(200);
    expect(((await renamed.json()) as { title: string }).title).toBe("Trip plans");
    expect((await api(`/api/conversations/${id}`, alice, { method: "DELETE" })).status).toBe(204);
    expect((await api(`/api/conversations/${id}`, alice)).status).toBe(404);
  });

  it("refuses bad input with a 4xx problem and changes nothing", async () => {
    const id = await newConversation();
    const cases: [string, RequestInit, number][] = [
      [
        "/api/conversations",
        { method: "POST", body: "{not json", headers: { "content-type": "application/json" } },
        400,
      ],
      [
        "/api/conversations",
        {
          method: "POST",
          body: JSON.stringify({ title: 42 }),
          headers: { "content-type": "application/json" },
        },
        400,
      ],
      [
        "/api/conversations",
        {
          method: "POST",
          body: JSON.stringify({ agent: "no-such-agent" }),
          headers: { "content-type": "application/json" },
        },
        400,
      ],
      [
        "/api/conversations",
        {
          method: "POST",
          body: JSON.stringify({ extra: true }),
          headers: { "content-type": "application/json" },
        },
        400,
      ],
      [
        "/api/conversations",
        {
          method: "POST",
          body: "title=x",
          headers: { "content-type": "application/x-www-form-urlencoded" },
        },
        415,
      ],
      [
        `/api/conversations/${id}/messages`,
        {
          method: "POST",
          body: JSON.stringify({ text: "" }),
          headers: { "content-type": "application/json" },
        },
        400,
      ],
      [
        `/api/conversations/${id}/messages`,
        {
          method: "POST",
          body: JSON.stringify({ text: ["a"] }),
          headers: { "content-type": "application/json" },
        },
        400,
      ],
      [
        `/api/conversations/${id}/messages`,
        {
          method: "POST",
          body: JSON.stringify({ text: "x".repeat(70_000) }),
          headers: { "content-type": "application/json" },
        },
        413,
      ],
      [
        `/api/conversations/${id}/messages`,
        { method: "POST", body: "null", headers: { "content-type": "application/json" } },
        400,
      ],
      ["/api/conversations/not-a-uuid", {}, 400],
      [`/api/conversations/${id}/events?after=-1`, {}, 400],
      [`/api/conversations/${id}/events`, { headers: { "last-event-id": "abc" } }, 400],
    ];
    for (const [path, init, status] of cases) {
      const res = await api(path, alice, init);
      expect(res.status, `${init.method ?? "GET"} ${path}`).toBe(status);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      const problem = (await res.json()) as { status: number; title: string };
      expect(problem.status).toBe(status);
      expect(problem.title.length).toBeGreaterThan(0);
    }
    const convo = (await (await api(`/api/conversations/${id}`, alice)).json()) as {
      messages: unknown[];
    };
    expect(convo.messages).toEqual([]);
  });

  it("requires a valid bearer token", async () => {
    const none = await api("/api/conversations", undefined);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer /);
    const bad = await api("/api/conversations", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.");
    expect(bad.status).toBe(401);
  });
});

describe("app_tokens_act_as_users (regression)", () => {
  it("an application's token is refused (403) on the chat, approvals and connections APIs, and changes nothing", async () => {
    const { mintLocalAppAccessToken } = await import("@/lib/identity/local-idp/tokens");
    for (const roles of [[], ["Tools.Write"]]) {
      const appToken = await mintLocalAppAccessToken({ appId: "some-daemon", roles });
      const calls: [string, string, unknown?][] = [
        ["POST", "/api/conversations", {}],
        ["GET", "/api/conversations"],
        ["GET", "/api/agents"],
        ["GET", "/api/approvals"],
        ["GET", "/api/connections"],
        ["POST", "/api/connections/twilio", {}],
      ];
      for (const [method, path, body] of calls) {
        const res = await api(
          path,
          appToken,
          body === undefined ? { method } : { method, json: body },
        );
        expect(res.status, `${method} ${path}`).toBe(403);
        expect(res.headers.get("content-type")).toContain("application/problem+json");
      }
    }
    const list = (await (await api("/api/conversations", alice)).json()) as { items: unknown[] };
    expect(Array.isArray(list.items)).toBe(true);
  });
});

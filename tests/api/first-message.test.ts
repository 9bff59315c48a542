import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { startTestApp, type TestApp } from "../helpers/app";
import { grantConsentDirectly } from "../helpers/consent";
import { isTerminal, readSse } from "../helpers/sse";

let app: TestApp;
let carol: string;

beforeAll(async () => {
  app = await startTestApp({ LOCAL_MODEL_PACING_MS: "3" });
  await grantConsentDirectly("carol");
  carol = await mintLocalAccessToken({ username: "carol" });
});
afterAll(async () => app?.close());

function post(path: string, json: unknown) {
  return fetch(`${app.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${carol}`, "content-type": "application/json" },
    body: JSON.stringify(json),
  });
}

async function titles(): Promise<string[]> {
  const res = await fetch(`${app.url}/api/conversations`, {
    headers: { authorization: `Bearer ${carol}` },
  });
  return ((await res.json()) as { items: { title: string }[] }).items.map((c) => c.title);
}

describe("empty_conversation_left_behind (regression): the first message comes with the conversation", () => {
  it("one request creates the conversation, names it and starts the answer", async () => {
    const res = await post("/api/conversations", { message: "Plan my week" });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { id: string; title: string; runId?: string };
    expect(body.title).toBe("Plan my week");
    expect(body.runId).toMatch(/^run_/);

    const { events } = await readSse(`${app.url}/api/conversations/${body.id}/events`, carol, {
      until: isTerminal,
    });
    expect(events[0]).toMatchObject({
      type: "run.started",
      runId: body.runId,
      data: { input: "Plan my week" },
    });
    expect(events.at(-1)?.type).toBe("run.completed");
    expect(await titles()).toContain("Plan my week");
  });

  it("refuses an empty or too long first message and creates nothing", async () => {
    const before = await titles();
    for (const message of ["   ", "x".repeat(16_001)]) {
      const res = await post("/api/conversations", { message });
      expect(res.status, JSON.stringify(message.slice(0, 5))).toBe(400);
    }
    expect(await titles()).toEqual(before);
  });

  it("still creates an empty conversation when asked without a message", async () => {
    const res = await post("/api/conversations", {});
    expect(res.status).toBe(201);
    expect(((await res.json()) as { runId?: string }).runId).toBeUndefined();
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { startTestApp, type TestApp } from "../helpers/app";

let app: TestApp;
let alice: string;
let bob: string;

beforeAll(async () => {
  app = await startTestApp({ CHAT_MESSAGES_PER_MINUTE: "3" });
  alice = await mintLocalAccessToken({ username: "alice" });
  bob = await mintLocalAccessToken({ username: "bob" });
});
afterAll(async () => app?.close());

async function sendInNewConversation(token: string) {
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const created = await fetch(`${app.url}/api/conversations`, {
    method: "POST",
    headers,
    body: "{}",
  });
  const { id } = (await created.json()) as { id: string };
  const res = await fetch(`${app.url}/api/conversations/${id}/messages`, {
    method: "POST",
    headers,
    body: JSON.stringify({ text: "hello" }),
  });
  const convo = await fetch(`${app.url}/api/conversations/${id}`, { headers });
  return { res, messages: ((await convo.json()) as { messages: unknown[] }).messages };
}

describe("per-user message limit", () => {
  it("refuses the message past the limit with 429 and Retry-After, starting nothing", async () => {
    for (let i = 0; i < 3; i++) expect((await sendInNewConversation(alice)).res.status).toBe(202);
    const { res, messages } = await sendInNewConversation(alice);
    expect(res.status).toBe(429);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const problem = (await res.json()) as { code: string; retryAfterSeconds: number };
    expect(problem).toMatchObject({ code: "rate_limited", retryAfterSeconds: retryAfter });
    expect(messages).toEqual([]);
  });

  it("counts each user separately", async () => {
    expect((await sendInNewConversation(bob)).res.status).toBe(202);
  });
});

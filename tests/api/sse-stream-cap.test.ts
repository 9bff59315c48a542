import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conversations } from "@/lib/db/schema";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { openStreamsOf } from "@/lib/limits/streams";
import { startTestApp, type TestApp } from "../helpers/app";

/**
 * Regression (security review): one user could hold any number of live event streams (150 were
 * accepted), each a connection, a subscription and a timer. Past SSE_STREAMS_PER_USER (here 3,
 * counted in this process) a new stream is a 429 the user understands; closed streams free
 * their place.
 */

let app: TestApp;
let alice: string;
let bob: string;

beforeAll(async () => {
  app = await startTestApp({ SSE_STREAMS_PER_USER: "3" });
  alice = await mintLocalAccessToken({ username: "alice" });
  bob = await mintLocalAccessToken({ username: "bob" });
});
afterAll(async () => app?.close());

async function newConversation(token: string): Promise<string> {
  const res = await fetch(`${app.url}/api/conversations`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: "{}",
  });
  return ((await res.json()) as { id: string }).id;
}

type Open = { res: Response; close: () => void };

async function openStream(path: string, token: string): Promise<Open> {
  const controller = new AbortController();
  const res = await fetch(`${app.url}${path}`, {
    headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
    signal: controller.signal,
  });
  if (res.ok) {
    // Read the first frame so the stream is really live.
    const reader = res.body!.getReader();
    await reader.read();
    return {
      res,
      close: () => {
        void reader.cancel().catch(() => undefined);
        controller.abort();
      },
    };
  }
  return { res, close: () => controller.abort() };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe("live event streams per user", () => {
  it("too_many_live_streams_get_429_with_retry_after_and_closed_ones_free_their_place", async () => {
    const id = await newConversation(alice);
    const open: Open[] = [
      await openStream(`/api/conversations/${id}/events`, alice),
      await openStream(`/api/conversations/${id}/events`, alice),
      await openStream("/api/approvals/events", alice),
    ];
    for (const s of open) expect(s.res.status).toBe(200);

    for (const path of [`/api/conversations/${id}/events`, "/api/approvals/events"]) {
      const refused = await openStream(path, alice);
      expect(refused.res.status).toBe(429);
      expect(refused.res.headers.get("content-type")).toBe("application/problem+json");
      expect(Number(refused.res.headers.get("retry-after"))).toBeGreaterThan(0);
      const problem = (await refused.res.json()) as { code: string; title: string };
      expect(problem.code).toBe("rate_limited");
      expect(problem.title).toMatch(/too many live updates open/i);
    }

    // Another user is counted separately.
    const bobs = await openStream("/api/approvals/events", bob);
    expect(bobs.res.status).toBe(200);
    bobs.close();

    // Closing streams (a closed tab) frees their places; nothing leaks.
    for (const s of open) s.close();
    const aliceId = await ownerOf(id);
    await until(() => openStreamsOf(aliceId) === 0);
    expect(openStreamsOf(aliceId)).toBe(0);
    const again = [
      await openStream(`/api/conversations/${id}/events`, alice),
      await openStream("/api/approvals/events", alice),
      await openStream("/api/approvals/events", alice),
    ];
    for (const s of again) expect(s.res.status).toBe(200);
    for (const s of again) s.close();
    await until(() => openStreamsOf(aliceId) === 0);
    expect(openStreamsOf(aliceId)).toBe(0);
  });
});

async function ownerOf(conversationId: string): Promise<string> {
  const res = await fetch(`${app.url}/api/conversations/${conversationId}`, {
    headers: { authorization: `Bearer ${alice}` },
  });
  expect(res.status).toBe(200);
  const [row] = await app.db.db
    .select({ ownerId: conversations.ownerId })
    .from(conversations)
    .where(eq(conversations.id, conversationId));
  return row!.ownerId;
}

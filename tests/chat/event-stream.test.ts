import { afterEach, describe, expect, it, vi } from "vitest";
import { reconnectDelay, retryAfterMs } from "@/lib/chat/client/backoff";
import { subscribeToConversation, type StreamStatus } from "@/lib/chat/client/event-stream";
import { draft, type ChatEvent } from "@/lib/chat/events";
import { serve, type TestServer } from "../helpers/serve";
import { stamper } from "./helpers/events";

const stamp = stamper();
const EVENTS: ChatEvent[] = stamp("run_1", [
  draft("run.started", { agent: { name: "agent" }, input: "Hi" }),
  ...["Hel", "lo", ", ", "wor", "ld"].map((delta) =>
    draft("text.delta", { itemId: "msg_1", delta }),
  ),
]);
const enc = new TextEncoder();
const frame = (e: ChatEvent) => `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
const frames = (from: number, to: number) =>
  EVENTS.filter((e) => e.seq >= from && e.seq <= to)
    .map(frame)
    .join("");

type Script = (c: ReadableStreamDefaultController<Uint8Array>, req: Request) => void;

interface Harness {
  server: TestServer;
  requests: Request[];
  /** Connections whose body the client stopped reading (cancel reached the server). */
  cancelled: number;
}

let harness: Harness | undefined;
const clients: AbortController[] = [];
afterEach(async () => {
  // A failed assertion must not leave a client reconnecting in the background.
  for (const c of clients.splice(0)) c.abort();
  await harness?.server.close();
  harness = undefined;
});

/** An SSE endpoint whose n-th connection follows scripts[n] (the last script repeats). */
async function sseServer(
  scripts: Script[],
  respond?: (req: Request, n: number) => Response | undefined,
): Promise<Harness> {
  const h: Harness = { server: undefined as unknown as TestServer, requests: [], cancelled: 0 };
  h.server = await serve((req) => {
    const n = h.requests.push(req) - 1;
    const special = respond?.(req, n);
    if (special) return special;
    const script = scripts[Math.min(n, scripts.length - 1)]!;
    const body = new ReadableStream<Uint8Array>({
      start: (c) => script(c, req),
      cancel: () => {
        h.cancelled += 1;
      },
    });
    return new Response(body, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-store" },
    });
  });
  harness = h;
  return h;
}

const send = (c: ReadableStreamDefaultController<Uint8Array>, text: string) =>
  c.enqueue(enc.encode(text));

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function subscribe(h: Harness, extra: Partial<Parameters<typeof subscribeToConversation>[0]> = {}) {
  const seen: ChatEvent[] = [];
  const statuses: Array<[StreamStatus, string | undefined]> = [];
  const controller = new AbortController();
  clients.push(controller);
  let tokens = 0;
  const done = subscribeToConversation({
    url: `${h.server.url}/api/conversations/conv_1/events`,
    getAccessToken: async () => `token-${++tokens}`,
    onEvent: (e) => seen.push(e),
    onStatus: (s, d) => statuses.push([s, d]),
    signal: controller.signal,
    // Slow on purpose: the tests pass only if the server's `retry:` is honoured.
    backoff: { initialMs: 60_000 },
    ...extra,
  });
  return { seen, statuses, controller, done, tokens: () => tokens };
}

const seqs = (events: ChatEvent[]) => events.map((e) => e.seq);
const header = (req: Request, name: string) => req.headers.get(name);

describe("subscribeToConversation", () => {
  it("resumes a dropped stream with Last-Event-ID and delivers every event once, in order", async () => {
    // The server adapter logs the errored body; that drop is the point of this test.
    const serverLog = vi.spyOn(console, "error").mockImplementation(() => {});
    const h = await sseServer([
      (c) => {
        // Three whole events and half of the fourth, then the network drops.
        send(c, `retry: 10\n\n${frames(1, 3)}${frame(EVENTS[3]!).slice(0, 40)}`);
        setTimeout(() => c.error(new Error("connection reset")), 30);
      },
      (c) => {
        send(c, frames(4, 6));
        c.close();
      },
      (c) => send(c, ": idle\n\n"),
    ]);
    const client = subscribe(h);
    await until(
      () => h.requests.length === 3 && client.statuses.at(-1)?.[0] === "open",
      "the third connection",
    );
    client.controller.abort();
    await client.done;

    expect(seqs(client.seen)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(client.seen).toEqual(EVENTS);
    expect(h.requests.map((r) => header(r, "last-event-id"))).toEqual([null, "3", "6"]);
    expect(h.requests.map((r) => header(r, "authorization"))).toEqual([
      "Bearer token-1",
      "Bearer token-2",
      "Bearer token-3",
    ]);
    expect(h.requests.every((r) => header(r, "accept") === "text/event-stream")).toBe(true);
    expect(client.statuses.map(([s]) => s)).toEqual([
      "connecting",
      "open",
      "reconnecting",
      "open",
      "reconnecting",
      "open",
      "closed",
    ]);
    serverLog.mockRestore();
  });

  it("drops events it already delivered when a server replays too much", async () => {
    const h = await sseServer([
      (c) => {
        send(c, `retry: 5\n\n${frames(1, 2)}`);
        c.close();
      },
      (c) => {
        send(c, frames(1, 4));
        c.close();
      },
      (c) => send(c, frames(1, 6)),
    ]);
    const client = subscribe(h);
    await until(() => client.seen.length >= 6 && h.requests.length >= 3, "six events");
    client.controller.abort();
    await client.done;
    expect(seqs(client.seen)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("starts after `after` and skips data that is not a valid ChatEvent", async () => {
    const h = await sseServer([
      (c) => {
        const bogus = { ...EVENTS[4]!, type: "text.exploded" };
        send(
          c,
          `${frames(2, 4)}data: not json\n\nid: 5\ndata: ${JSON.stringify(bogus)}\n\n${frames(6, 6)}`,
        );
      },
    ]);
    const client = subscribe(h, { after: 2 });
    await until(() => client.seen.some((e) => e.seq === 6), "the last event");
    client.controller.abort();
    await client.done;
    expect(header(h.requests[0]!, "last-event-id")).toBe("2");
    expect(seqs(client.seen)).toEqual([3, 4, 6]);
  });

  it("stops on 404 with a detail a user understands", async () => {
    const h = await sseServer([], () => Response.json({ title: "Not found" }, { status: 404 }));
    const client = subscribe(h);
    await client.done;
    expect(h.requests).toHaveLength(1);
    expect(client.statuses).toEqual([
      ["connecting", undefined],
      ["error", "This conversation doesn't exist any more."],
    ]);
    expect(client.seen).toEqual([]);
  });

  it("stops on 403", async () => {
    const h = await sseServer([], () => new Response(null, { status: 403 }));
    const client = subscribe(h);
    await client.done;
    expect(h.requests).toHaveLength(1);
    expect(client.statuses.at(-1)).toEqual([
      "error",
      "You don't have access to this conversation.",
    ]);
  });

  it("gets a fresh token once after a 401", async () => {
    const h = await sseServer([(c) => send(c, frames(1, 1))], (_, n) =>
      n === 0 ? new Response(null, { status: 401 }) : undefined,
    );
    const client = subscribe(h);
    await until(() => client.seen.length === 1, "the first event");
    client.controller.abort();
    await client.done;
    expect(h.requests.map((r) => header(r, "authorization"))).toEqual([
      "Bearer token-1",
      "Bearer token-2",
    ]);
    expect(client.statuses.map(([s]) => s)).toEqual([
      "connecting",
      "reconnecting",
      "open",
      "closed",
    ]);
  });

  it("reports an error when the fresh token is refused too", async () => {
    const h = await sseServer([], () => new Response(null, { status: 401 }));
    const client = subscribe(h);
    await client.done;
    expect(h.requests).toHaveLength(2);
    expect(client.tokens()).toBe(2);
    expect(client.statuses.at(-1)).toEqual([
      "error",
      "Your sign-in has expired. Please sign in again.",
    ]);
  });

  it("closes an open stream on abort, and the server sees it go", async () => {
    const h = await sseServer([(c) => send(c, frames(1, 2))]);
    const client = subscribe(h);
    await until(() => client.seen.length === 2, "two events");
    client.controller.abort();
    await client.done;
    await until(
      () => h.cancelled === 1 || h.requests[0]!.signal.aborted,
      "the server to see the disconnect",
    );
    expect(client.statuses.at(-1)).toEqual(["closed", undefined]);
    expect(h.requests).toHaveLength(1);
  });

  it("stops waiting to reconnect on abort", async () => {
    const h = await sseServer(
      [],
      () => new Response(null, { status: 503, headers: { "retry-after": "120" } }),
    );
    const client = subscribe(h);
    await until(() => h.requests.length === 1, "the first attempt");
    await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    client.controller.abort();
    await client.done;
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(h.requests).toHaveLength(1);
    expect(client.statuses.map(([s]) => s)).toEqual(["connecting", "closed"]);
  });

  it("rethrows what the page's handler throws instead of reconnecting", async () => {
    const h = await sseServer([(c) => send(c, frames(1, 2))]);
    const boom = new Error("render failed");
    const client = subscribe(h, {
      onEvent: () => {
        throw boom;
      },
    });
    await expect(client.done).rejects.toBe(boom);
    expect(h.requests).toHaveLength(1);
  });
});

describe("reconnect timing", () => {
  it("doubles per attempt with jitter between half and all of the step, up to the cap", () => {
    expect([0, 1, 2, 3].map((a) => reconnectDelay(a, 1000, 30_000, 1))).toEqual([
      1000, 2000, 4000, 8000,
    ]);
    expect([0, 1, 2, 3].map((a) => reconnectDelay(a, 1000, 30_000, 0))).toEqual([
      500, 1000, 2000, 4000,
    ]);
    expect(reconnectDelay(20, 1000, 30_000, 1)).toBe(30_000);
    expect(reconnectDelay(20, 1000, 30_000, 0)).toBe(15_000);
  });

  it("reads Retry-After as seconds or a date", () => {
    expect(retryAfterMs("3")).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(retryAfterMs("soon")).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});

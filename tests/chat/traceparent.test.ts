import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCaller } from "@/lib/chat/api-client";
import { newTraceparent } from "@/lib/chat/client/traceparent";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { startTestApp, type TestApp } from "../helpers/app";

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

/** The trace of a user's action starts in the browser: every API call carries a traceparent. */
describe("browser traceparent", () => {
  let app: TestApp;
  let token: string;
  beforeAll(async () => {
    app = await startTestApp();
    token = await mintLocalAccessToken({ username: "alice" });
  });
  afterAll(async () => app?.close());

  it("is a valid W3C traceparent, new for every request", () => {
    const a = newTraceparent();
    const b = newTraceparent();
    expect(a).toMatch(TRACEPARENT);
    expect(a.split("-")[1]).not.toBe(b.split("-")[1]);
  });

  it("browser_calls_start_the_trace: the server answers with the browser's trace id", async () => {
    const sent: string[] = [];
    const answered: string[] = [];
    const call = createCaller(
      async () => token,
      async (input, init) => {
        sent.push(new Headers(init?.headers).get("traceparent") ?? "");
        const res = await fetch(`${app.url}${String(input)}`, init);
        answered.push(res.headers.get("x-correlation-id") ?? "");
        return res;
      },
    );
    await call("/api/conversations");
    expect(sent[0]).toMatch(TRACEPARENT);
    expect(answered[0]).toBe(TRACEPARENT.exec(sent[0]!)![1]);
  });
});

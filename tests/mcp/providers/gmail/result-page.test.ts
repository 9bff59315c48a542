import { JSDOM } from "jsdom";
import { describe, expect, it, vi } from "vitest";
import {
  CLOSE_AFTER_MS,
  CONNECT_CHANNEL,
  CONNECTED_MESSAGE_TYPE,
} from "@/lib/connections/messages";
import { connectResultPage } from "@/lib/connections/result-page";

const ORIGIN = "https://chat.example.com";

/** Loads the callback's HTML as the popup would, with an opener and BroadcastChannel to observe. */
async function open(res: Response) {
  const html = await res.text();
  const opener = { postMessage: vi.fn() };
  const broadcast: { name: string; message: unknown }[] = [];
  const close = vi.fn();
  const dom = new JSDOM(html, {
    url: `${ORIGIN}/api/connections/gmail/callback?code=4%2F0Asecret&state=abc`,
    runScripts: "dangerously",
    beforeParse(window) {
      Object.defineProperty(window, "opener", { value: opener });
      window.close = close;
      (window as unknown as { BroadcastChannel: unknown }).BroadcastChannel = class {
        constructor(readonly name: string) {}
        postMessage(message: unknown) {
          broadcast.push({ name: this.name, message });
        }
        close() {}
      };
    },
  });
  return { dom, opener, broadcast, close };
}

describe("the OAuth callback's result page", () => {
  it("on_success_tells_the_opener_and_other_tabs_clears_the_code_from_the_address_and_closes", async () => {
    const { dom, opener, broadcast, close } = await open(
      connectResultPage({
        provider: "gmail",
        displayName: "Gmail",
        ok: true,
        status: 200,
        message: "Connected as ana@gmail.com. You can close this window.",
      }),
    );
    const message = { type: CONNECTED_MESSAGE_TYPE, provider: "gmail" };
    expect(opener.postMessage).toHaveBeenCalledTimes(1);
    expect(opener.postMessage).toHaveBeenCalledWith(message, ORIGIN);
    expect(broadcast).toEqual([{ name: CONNECT_CHANNEL, message }]);
    expect(dom.window.location.href).toBe(`${ORIGIN}/api/connections/gmail/callback`);
    expect(dom.window.document.querySelector('[role="status"]')?.textContent).toBe(
      "Connected as ana@gmail.com. You can close this window.",
    );
    expect(close).not.toHaveBeenCalled();
    await new Promise((r) => setTimeout(r, CLOSE_AFTER_MS + 200));
    expect(close).toHaveBeenCalled();
    dom.window.close();
  });

  it("on_failure_tells_nobody_and_escapes_the_message", async () => {
    const { dom, opener, broadcast } = await open(
      connectResultPage({
        provider: "gmail",
        displayName: "Gmail",
        ok: false,
        status: 400,
        message: "<img src=x onerror=alert(1)> expired",
      }),
    );
    expect(opener.postMessage).not.toHaveBeenCalled();
    expect(broadcast).toEqual([]);
    const alert = dom.window.document.querySelector('[role="alert"]')!;
    expect(alert.textContent).toBe("<img src=x onerror=alert(1)> expired");
    expect(dom.window.document.querySelector("img")).toBeNull();
    expect(dom.window.location.search).toBe("");
    dom.window.close();
  });
});

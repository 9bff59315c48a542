// @vitest-environment jsdom
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ComposioConnect, navigation } from "@/app/connect/composio/ComposioConnect";
import { ComposioDone } from "@/app/connect/composio/done/ComposioDone";
import { CLOSE_AFTER_MS } from "@/lib/connections/messages";
import { CONNECT_CHANNEL, CONNECTED_MESSAGE_TYPE } from "@/lib/connections/messages";

const TOKEN = "eyJhbGciOiJIUzI1NiJ9.composio.sig";

class FakeChannel {
  static posted: { name: string; message: unknown }[] = [];
  constructor(readonly name: string) {}
  postMessage(message: unknown) {
    FakeChannel.posted.push({ name: this.name, message });
  }
  close() {}
}

let fetchMock: ReturnType<typeof vi.fn>;
let go: ReturnType<typeof vi.spyOn>;
let opener: { postMessage: ReturnType<typeof vi.fn> };

function answer(body: unknown, status = 200) {
  fetchMock.mockImplementation(async () => Response.json(body, { status }));
}

beforeEach(() => {
  FakeChannel.posted = [];
  vi.stubGlobal("BroadcastChannel", FakeChannel);
  opener = { postMessage: vi.fn() };
  Object.defineProperty(window, "opener", { value: opener, configurable: true, writable: true });
  vi.spyOn(window, "close").mockImplementation(() => undefined);
  go = vi.spyOn(navigation, "go").mockImplementation(() => undefined);
  fetchMock = vi.fn();
  vi.stubGlobal("fetch", fetchMock);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  Object.defineProperty(window, "opener", { value: null, configurable: true, writable: true });
});

describe("Composio connect page", () => {
  it("posts_the_fragment_s_token_clears_it_and_continues_to_composio_s_https_link", async () => {
    window.history.replaceState(null, "", `/connect/composio#token=${TOKEN}&toolkit=github`);
    answer({
      url: "https://connect.composio.dev/link/ln_1",
      toolkit: "github",
      username: "bob@contoso.local",
    });
    render(<ComposioConnect />);
    await waitFor(() => expect(go).toHaveBeenCalledWith("https://connect.composio.dev/link/ln_1"));
    expect(window.location.hash).toBe("");
    expect(window.location.href).not.toContain(TOKEN);
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe("/api/composio/connect-link");
    expect(init.method).toBe("POST");
    expect(JSON.parse(String(init.body))).toEqual({ token: TOKEN });
    expect(screen.getByText("bob@contoso.local")).toBeTruthy();
  });

  it("never_navigates_to_a_link_that_is_not_https", async () => {
    for (const bad of [
      "javascript:alert(1)",
      "http://connect.composio.dev/x",
      "data:text/html,x",
    ]) {
      window.history.replaceState(null, "", `/connect/composio#token=${TOKEN}&toolkit=github`);
      answer({ url: bad, toolkit: "github", username: "bob" });
      render(<ComposioConnect />);
      expect(await screen.findByRole("alert")).toBeTruthy();
      cleanup();
    }
    expect(go).not.toHaveBeenCalled();
  });

  it("an_expired_or_missing_token_says_so_and_asks_nothing", async () => {
    window.history.replaceState(null, "", "/connect/composio");
    render(<ComposioConnect />);
    expect(await screen.findByText("This link has expired")).toBeTruthy();
    expect(fetchMock).not.toHaveBeenCalled();
    cleanup();
    window.history.replaceState(null, "", `/connect/composio#token=${TOKEN}&toolkit=github`);
    answer({ title: "expired" }, 401);
    render(<ComposioConnect />);
    expect(await screen.findByText("This link has expired")).toBeTruthy();
    expect(go).not.toHaveBeenCalled();
  });
});

describe("Composio's return page", () => {
  it("on_success_tells_the_opener_and_the_channel_then_closes", async () => {
    window.history.replaceState(null, "", "/connect/composio/done?toolkit=github&status=success");
    render(<ComposioDone />);
    expect(await screen.findByText("Connected. You can close this window.")).toBeTruthy();
    const message = { type: CONNECTED_MESSAGE_TYPE, provider: "composio" };
    expect(opener.postMessage).toHaveBeenCalledWith(message, window.location.origin);
    expect(FakeChannel.posted).toEqual([{ name: CONNECT_CHANNEL, message }]);
    await waitFor(() => expect(window.close).toHaveBeenCalled(), {
      timeout: CLOSE_AFTER_MS + 1000,
    });
  });

  it("on_failure_tells_nobody", async () => {
    window.history.replaceState(null, "", "/connect/composio/done?toolkit=github&status=failed");
    render(<ComposioDone />);
    expect(await screen.findByText("The account was not connected")).toBeTruthy();
    expect(opener.postMessage).not.toHaveBeenCalled();
    expect(FakeChannel.posted).toEqual([]);
  });
});

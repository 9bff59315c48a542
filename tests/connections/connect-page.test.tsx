// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CLOSE_AFTER_MS, ConnectConfirm } from "@/app/connect/[provider]/ConnectConfirm";
import { CONNECT_CHANNEL, CONNECTED_MESSAGE_TYPE } from "@/lib/connections/messages";

const TOKEN = "eyJhbGciOiJIUzI1NiJ9.payload.sig";

/** Records what is posted on BroadcastChannels (jsdom has none of its own to observe). */
class FakeChannel {
  static posted: { name: string; message: unknown }[] = [];
  constructor(readonly name: string) {}
  postMessage(message: unknown) {
    FakeChannel.posted.push({ name: this.name, message });
  }
  close() {}
}

let fetchMock: ReturnType<typeof vi.fn>;
let opener: { postMessage: ReturnType<typeof vi.fn> };

beforeEach(() => {
  window.history.replaceState(null, "", `/connect/twilio#token=${TOKEN}`);
  FakeChannel.posted = [];
  vi.stubGlobal("BroadcastChannel", FakeChannel);
  opener = { postMessage: vi.fn() };
  Object.defineProperty(window, "opener", { value: opener, configurable: true, writable: true });
  vi.spyOn(window, "close").mockImplementation(() => undefined);
  fetchMock = vi.fn(async (input: RequestInfo | URL) => {
    const url = String(input);
    if (url === "/api/connections/twilio/preview")
      return Response.json({ ok: true, provider: "twilio", username: "alice@contoso.local" });
    if (url === "/api/connections/twilio")
      return Response.json({ provider: "twilio", connected: true, accountLabel: "alice" });
    return new Response("not found", { status: 404 });
  });
  vi.stubGlobal("fetch", fetchMock);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  Object.defineProperty(window, "opener", { value: null, configurable: true, writable: true });
});

const bodyOf = (call: unknown[]) => JSON.parse(String((call[1] as RequestInit).body)) as unknown;

describe("connect page (token in the fragment)", () => {
  it("reads the token from the fragment, clears it from the address bar, and posts it", async () => {
    render(<ConnectConfirm provider="twilio" displayName="Twilio" />);
    expect(await screen.findByText("alice@contoso.local")).toBeTruthy();
    // The token left the address bar (and history entry) at once.
    expect(window.location.hash).toBe("");
    expect(window.location.pathname).toBe("/connect/twilio");
    expect(window.location.href).not.toContain(TOKEN);
    const [previewCall] = fetchMock.mock.calls;
    expect(previewCall![0]).toBe("/api/connections/twilio/preview");
    expect(bodyOf(previewCall!)).toEqual({ token: TOKEN });
    // Never in a URL.
    for (const call of fetchMock.mock.calls) expect(String(call[0])).not.toContain(TOKEN);

    fireEvent.click(screen.getByRole("button", { name: "Connect Twilio" }));
    expect(await screen.findByText("Connected. You can close this window.")).toBeTruthy();
    const connectCall = fetchMock.mock.calls.find((c) => c[0] === "/api/connections/twilio")!;
    expect((connectCall[1] as RequestInit).method).toBe("POST");
    expect(bodyOf(connectCall)).toEqual({ token: TOKEN });

    const message = { type: CONNECTED_MESSAGE_TYPE, provider: "twilio" };
    expect(opener.postMessage).toHaveBeenCalledTimes(1);
    expect(opener.postMessage).toHaveBeenCalledWith(message, window.location.origin);
    expect(FakeChannel.posted).toEqual([{ name: CONNECT_CHANNEL, message }]);

    // It stays open a moment so the user sees it worked, then closes itself.
    expect(window.close).not.toHaveBeenCalled();
    await waitFor(() => expect(window.close).toHaveBeenCalled(), {
      timeout: CLOSE_AFTER_MS + 1000,
    });
  });

  it("without a token in the fragment (or with a refused one) says the link has expired and posts nothing", async () => {
    window.history.replaceState(null, "", "/connect/twilio?token=in-the-query");
    render(<ConnectConfirm provider="twilio" displayName="Twilio" />);
    expect(await screen.findByText("This link has expired")).toBeTruthy();
    expect(fetchMock).not.toHaveBeenCalled();
    cleanup();

    window.history.replaceState(null, "", `/connect/twilio#token=${TOKEN}`);
    fetchMock.mockImplementation(async () => Response.json({ title: "expired" }, { status: 401 }));
    render(<ConnectConfirm provider="twilio" displayName="Twilio" />);
    expect(await screen.findByText("This link has expired")).toBeTruthy();
    expect(window.location.hash).toBe("");
    expect(screen.queryByRole("button", { name: "Connect Twilio" })).toBeNull();
    expect(opener.postMessage).not.toHaveBeenCalled();
  });

  it("a refused connect shows the reason and tells nobody", async () => {
    fetchMock.mockImplementation(async (input: RequestInfo | URL) =>
      String(input).endsWith("/preview")
        ? Response.json({ ok: true, username: "alice@contoso.local" })
        : Response.json({ title: "This connect link belongs to another user." }, { status: 403 }),
    );
    render(<ConnectConfirm provider="twilio" displayName="Twilio" />);
    fireEvent.click(await screen.findByRole("button", { name: "Connect Twilio" }));
    await waitFor(() =>
      expect(screen.getByRole("alert").textContent).toContain("belongs to another user"),
    );
    expect(opener.postMessage).not.toHaveBeenCalled();
    expect(FakeChannel.posted).toEqual([]);
  });

  it("for a provider that connects at its own site, Connect sends the popup to the authorization URL and tells nobody yet", async () => {
    const google =
      "https://accounts.google.com/o/oauth2/v2/auth?response_type=code&client_id=x&state=s";
    window.history.replaceState(null, "", `/connect/gmail#token=${TOKEN}`);
    fetchMock.mockImplementation(async (input: RequestInfo | URL) =>
      String(input).endsWith("/preview")
        ? Response.json({ ok: true, username: "alice@contoso.local" })
        : Response.json({ provider: "gmail", connected: false, authorizationUrl: google }),
    );
    const navigate = vi.fn();
    render(
      <ConnectConfirm
        provider="gmail"
        displayName="Gmail"
        authority="Google"
        navigate={navigate}
      />,
    );
    expect(await screen.findByText(/Google will ask you to sign in/)).toBeTruthy();
    fireEvent.click(await screen.findByRole("button", { name: "Continue to Google" }));
    await waitFor(() => expect(navigate).toHaveBeenCalledWith(google));
    const connectCall = fetchMock.mock.calls.find((c) => c[0] === "/api/connections/gmail")!;
    expect(bodyOf(connectCall)).toEqual({ token: TOKEN });
    expect(screen.getByRole("button", { name: "Opening Google…" })).toBeTruthy();
    // The callback page announces the connection, not this one.
    expect(opener.postMessage).not.toHaveBeenCalled();
    expect(FakeChannel.posted).toEqual([]);
    expect(window.close).not.toHaveBeenCalled();
  });

  it("an authorization URL that is not https is never followed", async () => {
    window.history.replaceState(null, "", `/connect/gmail#token=${TOKEN}`);
    fetchMock.mockImplementation(async (input: RequestInfo | URL) =>
      String(input).endsWith("/preview")
        ? Response.json({ ok: true, username: "alice@contoso.local" })
        : Response.json({ connected: false, authorizationUrl: "javascript:alert(1)" }),
    );
    const navigate = vi.fn();
    render(
      <ConnectConfirm
        provider="gmail"
        displayName="Gmail"
        authority="Google"
        navigate={navigate}
      />,
    );
    fireEvent.click(await screen.findByRole("button", { name: "Continue to Google" }));
    await waitFor(() =>
      expect(screen.getByRole("alert").textContent).toContain("Could not start the sign-in"),
    );
    expect(navigate).not.toHaveBeenCalled();
  });
});

// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConsentClientProvider, ConsentCard } from "@/components/chat/blocks/ConsentCard";
import type { ConsentBlock } from "@/lib/chat/reducer";

const CONVERSATION = "9b2f4c1e-6a1d-4c55-9d0e-0c1e2f3a4b5c";
const LINK = "https://logic-swedencentral-001.consent.azure-apihub.net/login?data=xyz";
const LINK_ORIGIN = "https://logic-swedencentral-001.consent.azure-apihub.net";

const block: ConsentBlock = {
  type: "consent",
  consentId: "oacr_1",
  serverLabel: "github",
  link: LINK,
  status: "pending",
  requestedAt: "2026-03-17T10:00:00.000Z",
};

const getAccessToken = async () => "token-1";
let fetchMock: ReturnType<typeof vi.fn>;
let popup: { closed: boolean };
let openMock: ReturnType<typeof vi.fn>;

function renderCard(b: ConsentBlock = block) {
  return render(
    <ConsentClientProvider getAccessToken={getAccessToken} conversationId={CONVERSATION}>
      <ConsentCard block={b} />
    </ConsentClientProvider>,
  );
}

function post(data: unknown, origin: string) {
  act(() => {
    window.dispatchEvent(new MessageEvent("message", { data, origin }));
  });
}

const continueCalls = () =>
  fetchMock.mock.calls.filter(([url]) =>
    String(url).endsWith(`/api/conversations/${CONVERSATION}/consents/oacr_1/continue`),
  );

beforeEach(() => {
  fetchMock = vi.fn(async () => Response.json({ runId: "run_1" }, { status: 202 }));
  vi.stubGlobal("fetch", fetchMock);
  popup = { closed: false };
  openMock = vi.fn(() => popup);
  vi.stubGlobal("open", openMock);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("ConsentCard", () => {
  it("says which server needs sign-in and opens the link in a popup", () => {
    renderCard();
    expect(screen.getByRole("region", { name: "Sign-in needed for github" })).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Open sign-in" }));
    expect(openMock).toHaveBeenCalledWith(LINK, "foundry-consent", "popup,width=520,height=640");
    expect(screen.getByText("Waiting for you to finish signing in…")).toBeTruthy();
  });

  it("ignores messages from a foreign origin or of another type; continues once on the right one", async () => {
    renderCard();
    fireEvent.click(screen.getByRole("button", { name: "Open sign-in" }));
    post({ type: "foundry-agent-chat:consent", status: "allowed" }, "https://evil.example.net");
    post({ type: "something-else" }, LINK_ORIGIN);
    expect(continueCalls()).toHaveLength(0);

    post({ type: "foundry-agent-chat:consent", status: "allowed" }, LINK_ORIGIN);
    post({ type: "foundry-agent-chat:consent", status: "allowed" }, window.location.origin);
    await waitFor(() => expect(continueCalls()).toHaveLength(1));
    const [, init] = continueCalls()[0]!;
    expect((init as RequestInit).method).toBe("POST");
    expect(new Headers((init as RequestInit).headers).get("authorization")).toBe("Bearer token-1");
    // Closing the popup afterwards does not call again.
    popup.closed = true;
    await new Promise((r) => setTimeout(r, 700));
    expect(continueCalls()).toHaveLength(1);
  });

  it("accepts the app's own origin (the local IdP's callback page)", async () => {
    renderCard({ ...block, link: `${window.location.origin}/local-idp/authorize?x=1` });
    fireEvent.click(screen.getByRole("button", { name: "Open sign-in" }));
    post({ type: "foundry-agent-chat:consent", status: "denied" }, window.location.origin);
    await waitFor(() => expect(continueCalls()).toHaveLength(1));
  });

  it("continues when the popup is closed", async () => {
    vi.useFakeTimers();
    renderCard();
    fireEvent.click(screen.getByRole("button", { name: "Open sign-in" }));
    popup.closed = true;
    await act(async () => {
      await vi.advanceTimersByTimeAsync(600);
    });
    expect(continueCalls()).toHaveLength(1);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(2000);
    });
    expect(continueCalls()).toHaveLength(1);
  });

  it("a blocked popup offers the link as a normal link; Continue works by hand", async () => {
    openMock.mockReturnValue(null);
    renderCard();
    fireEvent.click(screen.getByRole("button", { name: "Open sign-in" }));
    expect(
      screen.getByText(/Your browser blocked the sign-in window — allow pop-ups or/),
    ).toBeTruthy();
    const link = screen.getByRole("link", { name: "open it here" });
    expect(link.getAttribute("href")).toBe(LINK);
    expect(link.getAttribute("target")).toBe("_blank");
    expect(link.getAttribute("rel")).toBe("noopener noreferrer");
    fireEvent.click(screen.getByRole("button", { name: "Continue" }));
    await waitFor(() => expect(continueCalls()).toHaveLength(1));
    expect(await screen.findByText("Continuing…")).toBeTruthy();
  });

  it("409 says the request is no longer waiting; other errors allow another try", async () => {
    fetchMock.mockResolvedValueOnce(
      Response.json({ title: "Something unexpected", status: 500 }, { status: 500 }),
    );
    renderCard();
    fireEvent.click(screen.getByRole("button", { name: "Continue" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/Could not continue/);
    fetchMock.mockResolvedValueOnce(
      Response.json(
        { title: "This sign-in request is no longer waiting.", status: 409 },
        { status: 409 },
      ),
    );
    fireEvent.click(screen.getByRole("button", { name: "Continue" }));
    expect(await screen.findByText("This sign-in request is no longer waiting.")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Continue" })).toBeNull();
    expect(continueCalls()).toHaveLength(2);
  });

  it("a completed consent shows no buttons", () => {
    renderCard({ ...block, status: "completed" });
    expect(screen.getByText("Continued after sign-in.")).toBeTruthy();
    expect(screen.queryByRole("button")).toBeNull();
  });
});

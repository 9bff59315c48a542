// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConnectionsList } from "@/components/connections/ConnectionsList";

const LIST = {
  providers: [
    {
      provider: "gmail",
      displayName: "Gmail",
      connected: false,
      connectUrl: "http://localhost:3000/connect/gmail#token=t",
    },
    {
      provider: "twilio",
      displayName: "Twilio",
      connected: true,
      accountLabel: "alice@contoso.local",
      connectedAt: "2026-03-17T10:00:00.000Z",
      scopes: ["messages:create"],
    },
  ],
  consents: [
    {
      name: "mcp-oauth",
      displayName: "Foundry Agent Chat tools",
      granted: true,
      scopes: ["access_as_user"],
      grantedAt: "2026-03-17T09:00:00.000Z",
    },
  ],
  consentsSupported: true,
};

let fetchMock: ReturnType<typeof vi.fn>;
beforeEach(() => {
  // jsdom has no <dialog> methods.
  HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
    this.open = true;
  };
  HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
    this.open = false;
  };
  fetchMock = vi.fn(async (_input: RequestInfo | URL, init?: RequestInit) =>
    init?.method === "DELETE" ? new Response(null, { status: 204 }) : Response.json(LIST),
  );
  vi.stubGlobal("fetch", fetchMock);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const getAccessToken = async () => "token-1";

describe("connections page", () => {
  it("lists provider accounts and tool consents; Disconnect and Revoke ask first", async () => {
    await act(async () => {
      render(<ConnectionsList getAccessToken={getAccessToken} />);
    });
    const twilio = await screen.findByRole("listitem", { name: "Twilio" });
    expect(twilio.textContent).toContain("Connected as alice@contoso.local");
    expect(twilio.textContent).toContain("messages:create");
    expect(
      within(screen.getByRole("listitem", { name: "Gmail" })).getByRole("button").textContent,
    ).toBe("Connect");
    const consent = screen.getByRole("listitem", { name: "Foundry Agent Chat tools" });
    expect(consent.textContent).toContain("Consent given");

    fireEvent.click(within(twilio).getByRole("button", { name: "Disconnect Twilio" }));
    expect(fetchMock.mock.calls.some((c) => (c[1] as RequestInit)?.method === "DELETE")).toBe(
      false,
    );
    fireEvent.click(screen.getByRole("button", { name: "Disconnect", hidden: true }));
    await waitFor(() =>
      expect(
        fetchMock.mock.calls.find((c) => (c[1] as RequestInit)?.method === "DELETE")?.[0],
      ).toBe("/api/connections/twilio"),
    );

    fireEvent.click(
      within(consent).getByRole("button", { name: "Revoke consent to Foundry Agent Chat tools" }),
    );
    fireEvent.click(screen.getByRole("button", { name: "Revoke", hidden: true }));
    await waitFor(() =>
      expect(
        fetchMock.mock.calls.filter((c) => (c[1] as RequestInit)?.method === "DELETE").at(-1)?.[0],
      ).toBe("/api/connections/consents/mcp-oauth"),
    );
  });

  it("says so when consents are kept by Foundry", async () => {
    fetchMock.mockImplementation(async () =>
      Response.json({ ...LIST, consents: [], consentsSupported: false }),
    );
    await act(async () => {
      render(<ConnectionsList getAccessToken={getAccessToken} />);
    });
    expect(
      await screen.findByText(/Azure AI Foundry, which keeps your tool consents/),
    ).toBeTruthy();
  });
});

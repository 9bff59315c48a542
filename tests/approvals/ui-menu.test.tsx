// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AuthGate } from "@/components/auth/AuthGate";
import { AuthProvider } from "@/components/auth/AuthProvider";
import { UserMenu } from "@/components/auth/UserMenu";

vi.mock("next/navigation", () => ({ useRouter: () => ({ replace: vi.fn(), push: vi.fn() }) }));

const CONFIG = {
  mode: "local",
  clientId: "spa",
  authority: "http://localhost:3000/local-idp",
  scopes: ["openid", "api://x/access_as_user"],
  apiScope: "api://x/access_as_user",
};

const item = (n: number, canDecide = true) => ({
  id: `appr_${String(n).repeat(32)}`,
  status: "pending",
  source: "chat",
  tool: "make_payment",
  serverLabel: "contoso-tools",
  arguments: "{}",
  risk: "privileged",
  requiredRole: "Approver",
  requester: { id: "u-alice", name: "Alice Anderson" },
  conversationId: null,
  context: null,
  createdAt: new Date().toISOString(),
  expiresAt: new Date(Date.now() + 600_000).toISOString(),
  decidedBy: null,
  decidedAt: null,
  reason: null,
  canDecide,
});

let pending: unknown[];
beforeEach(() => {
  localStorage.setItem(
    "fac.auth.local.session",
    JSON.stringify({
      accessToken: "token-1",
      expiresAt: Date.now() + 3600_000,
      refreshToken: "r",
      account: { username: "carol@contoso.local", name: "Carol Chen", roles: ["Approver"] },
    }),
  );
  pending = [item(1), item(2)];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL) => {
      const url = String(input);
      if (url.startsWith("/api/approvals?")) return Response.json({ items: pending });
      return Response.json(CONFIG);
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  sessionStorage.clear();
  localStorage.clear();
});

describe("account menu", () => {
  it("links to Approvals with the pending count, and refreshes it after a decision", async () => {
    await act(async () => {
      render(
        <AuthProvider>
          <AuthGate>
            <UserMenu />
          </AuthGate>
        </AuthProvider>,
      );
    });
    const toggle = await screen.findByRole("button", {
      name: "Carol Chen, account menu, 2 approvals pending",
    });
    fireEvent.click(toggle);
    const link = screen.getByRole("link", { name: "Approvals, 2 pending" });
    expect(link.getAttribute("href")).toBe("/approvals");

    pending = [item(1)];
    await act(async () => {
      window.dispatchEvent(new Event("approvals:changed"));
    });
    await waitFor(() =>
      expect(screen.getByRole("link", { name: "Approvals, 1 pending" })).toBeTruthy(),
    );
    pending = [];
    await act(async () => {
      window.dispatchEvent(new Event("approvals:changed"));
    });
    await waitFor(() => expect(screen.getByRole("link", { name: "Approvals" })).toBeTruthy());
  });
});

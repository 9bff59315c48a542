// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AuthGate } from "@/components/auth/AuthGate";
import { AuthProvider, useAuth } from "@/components/auth/AuthProvider";
import { UserMenu } from "@/components/auth/UserMenu";

const replace = vi.fn();
vi.mock("next/navigation", () => ({ useRouter: () => ({ replace, push: vi.fn() }) }));

const CONFIG = {
  mode: "local",
  clientId: "spa",
  authority: "http://localhost:3000/local-idp",
  scopes: ["openid", "api://x/access_as_user"],
  apiScope: "api://x/access_as_user",
};

/** The local session is shared by the tabs of the origin: it lives in localStorage. */
function storeSession(account: { username: string; name: string; roles: string[] }) {
  localStorage.setItem(
    "fac.auth.local.session",
    JSON.stringify({
      accessToken: "token-1",
      expiresAt: Date.now() + 3600_000,
      refreshToken: "r",
      account,
    }),
  );
}

function TokenProbe() {
  const { getAccessToken } = useAuth();
  return (
    <button onClick={() => void getAccessToken().then((t) => (document.title = t))}>probe</button>
  );
}

async function renderApp() {
  await act(async () => {
    render(
      <AuthProvider>
        <AuthGate>
          <UserMenu />
          <TokenProbe />
          <p>chat goes here</p>
        </AuthGate>
      </AuthProvider>,
    );
  });
}

beforeEach(() => {
  sessionStorage.clear();
  localStorage.clear();
  vi.stubGlobal(
    "fetch",
    vi.fn(async () => Response.json(CONFIG)),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("AuthProvider, AuthGate, SignInScreen and UserMenu", () => {
  it("shows the sign-in screen to a signed-out visitor", async () => {
    await renderApp();
    expect(await screen.findByRole("heading", { name: "Foundry Agent Chat" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Sign in" })).toBeTruthy();
    expect(screen.queryByText("chat goes here")).toBeNull();
    expect(screen.getByText(/choose one of the demo accounts/i)).toBeTruthy();
  });

  it("restores a session, shows the user's name and roles, and signs out", async () => {
    storeSession({ username: "carol@contoso.local", name: "Carol Chen", roles: ["Approver"] });
    await renderApp();
    expect(await screen.findByText("chat goes here")).toBeTruthy();

    fireEvent.click(screen.getByRole("button", { name: "probe" }));
    await waitFor(() => expect(document.title).toBe("token-1"));

    const toggle = screen.getByRole("button", { name: /Carol Chen, account menu/ });
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    fireEvent.click(toggle);
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    expect(screen.getByText("carol@contoso.local")).toBeTruthy();
    expect(screen.getByRole("list", { name: "Roles" }).textContent).toBe("Approver");

    fireEvent.keyDown(document, { key: "Escape" });
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    expect(document.activeElement).toBe(toggle);

    fireEvent.click(toggle);
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Sign out" }));
    });
    expect(await screen.findByRole("button", { name: "Sign in" })).toBeTruthy();
    expect(localStorage.getItem("fac.auth.local.session")).toBeNull();
  });

  it("sign_in_was_per_tab (regression): signing out or in in another tab reaches this one", async () => {
    storeSession({ username: "alice@contoso.local", name: "Alice Anderson", roles: [] });
    await renderApp();
    expect(await screen.findByText("chat goes here")).toBeTruthy();

    // Another tab signs out: the browser removes the key there and tells this tab.
    await act(async () => {
      localStorage.removeItem("fac.auth.local.session");
      window.dispatchEvent(
        new StorageEvent("storage", { key: "fac.auth.local.session", storageArea: localStorage }),
      );
    });
    expect(await screen.findByRole("button", { name: "Sign in" })).toBeTruthy();
    expect(screen.queryByText("chat goes here")).toBeNull();

    // And signs in again.
    await act(async () => {
      storeSession({ username: "alice@contoso.local", name: "Alice Anderson", roles: [] });
      window.dispatchEvent(
        new StorageEvent("storage", { key: "fac.auth.local.session", storageArea: localStorage }),
      );
    });
    expect(await screen.findByText("chat goes here")).toBeTruthy();
  });

  it("labels a user without app roles as User", async () => {
    storeSession({ username: "alice@contoso.local", name: "Alice Anderson", roles: [] });
    await renderApp();
    fireEvent.click(await screen.findByRole("button", { name: /Alice Anderson, account menu/ }));
    expect(screen.getByRole("list", { name: "Roles" }).textContent).toBe("User");
  });

  it("shows an error when the sign-in configuration cannot be loaded", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => new Response("down", { status: 503 })),
    );
    await renderApp();
    expect((await screen.findByRole("alert")).textContent).toContain("HTTP 503");
  });
});

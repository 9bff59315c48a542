// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AccessKeys } from "@/components/admin/AccessKeys";
import { AdminKeysPage } from "@/components/admin/AdminPages";
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
const SECRET = `fac_mcp_${"k".repeat(43)}`;

const existing = {
  id: "key_00000000000000aa",
  name: "foundry-project",
  kind: "app",
  roles: ["Tools.Read"],
  keyPrefix: "fac_mcp_abcdef",
  createdAt: "2026-03-17T10:00:00.000Z",
  lastUsedAt: null,
  revokedAt: null,
};
const createdItem = {
  id: "key_00000000000000bb",
  name: "writer",
  kind: "app",
  roles: ["Tools.Read", "Tools.Write"],
  keyPrefix: SECRET.slice(0, 14),
  createdAt: "2026-03-17T11:00:00.000Z",
  lastUsedAt: null,
  revokedAt: null,
};

let items: unknown[];
let fetchMock: ReturnType<typeof vi.fn>;
let writeText: ReturnType<typeof vi.fn>;

beforeEach(() => {
  HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
    this.open = true;
  };
  HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
    this.open = false;
  };
  items = [existing];
  fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    if (url === "/api/admin/keys" && init?.method === "POST") {
      items = [...items, createdItem];
      return Response.json({ ...createdItem, key: SECRET }, { status: 201 });
    }
    if (url.startsWith("/api/admin/keys/") && init?.method === "DELETE") {
      items = items.map((k) =>
        (k as { id: string }).id === url.split("/").pop()
          ? { ...(k as object), revokedAt: "2026-03-17T12:00:00.000Z" }
          : k,
      );
      return new Response(null, { status: 204 });
    }
    if (url === "/api/admin/keys") return Response.json({ items });
    if (url.startsWith("/api/approvals")) return Response.json({ items: [] });
    return Response.json(CONFIG);
  });
  vi.stubGlobal("fetch", fetchMock);
  writeText = vi.fn(async () => undefined);
  Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  sessionStorage.clear();
  localStorage.clear();
});

const getAccessToken = async () => "token-1";

function signInAs(name: string, roles: string[]) {
  localStorage.setItem(
    "fac.auth.local.session",
    JSON.stringify({
      accessToken: "token-1",
      expiresAt: Date.now() + 3600_000,
      refreshToken: "r",
      account: { username: `${name.toLowerCase()}@contoso.local`, name, roles },
    }),
  );
}

describe("MCP access keys page", () => {
  it("creates a key and shows it once, read-only, with Copy and the warning", async () => {
    await act(async () => {
      render(<AccessKeys getAccessToken={getAccessToken} />);
    });
    expect(screen.getByRole("heading", { level: 1, name: "MCP access keys" })).toBeTruthy();
    const table = await screen.findByRole("table", { name: "MCP access keys" });
    expect(within(table).getByRole("rowheader", { name: "foundry-project" })).toBeTruthy();
    expect(within(table).getByText("fac_mcp_abcdef…")).toBeTruthy();
    expect(within(table).getByText("Active")).toBeTruthy();
    expect(within(table).getByText("Never")).toBeTruthy();

    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "writer" } });
    expect((screen.getByLabelText("Kind") as HTMLSelectElement).value).toBe("app");
    const roles = screen.getByRole("group", { name: "Roles" });
    expect(
      (within(roles).getByRole("checkbox", { name: /Tools\.Read/ }) as HTMLInputElement).checked,
    ).toBe(true);
    fireEvent.click(within(roles).getByRole("checkbox", { name: /Tools\.Write/ }));
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Create key" }));
    });

    const post = fetchMock.mock.calls.find(([, init]) => init?.method === "POST")!;
    expect(JSON.parse(post[1].body as string)).toEqual({
      name: "writer",
      kind: "app",
      roles: ["Tools.Read", "Tools.Write"],
    });
    expect(new Headers(post[1].headers).get("authorization")).toBe("Bearer token-1");

    const field = (await screen.findByLabelText("New key")) as HTMLInputElement;
    expect(field.value).toBe(SECRET);
    expect(field.readOnly).toBe(true);
    expect(screen.getByText("This key will not be shown again.")).toBeTruthy();
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Copy" }));
    });
    expect(writeText).toHaveBeenCalledWith(SECRET);
    expect(screen.getByText("Copied to the clipboard.")).toBeTruthy();
    // The reloaded list has the new key, by prefix only.
    await waitFor(() =>
      expect(within(table).getByRole("rowheader", { name: "writer" })).toBeTruthy(),
    );
    expect((screen.getByLabelText("Name") as HTMLInputElement).value).toBe("");

    fireEvent.click(screen.getByRole("button", { name: "Done" }));
    expect(screen.queryByLabelText("New key")).toBeNull();
    expect(document.body.innerHTML).not.toContain(SECRET);
  });

  it("user keys ask for the user instead of roles; a refusal is shown in the form", async () => {
    fetchMock.mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) =>
      init?.method === "POST"
        ? Response.json(
            { title: 'A key named "x" already exists.', status: 409, code: "conflict" },
            { status: 409, headers: { "content-type": "application/problem+json" } },
          )
        : Response.json({ items: [] }),
    );
    await act(async () => {
      render(<AccessKeys getAccessToken={getAccessToken} />);
    });
    expect(await screen.findByText("No keys yet.")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Kind"), { target: { value: "user" } });
    expect(screen.queryByRole("group", { name: "Roles" })).toBeNull();
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "x" } });
    fireEvent.change(screen.getByLabelText("Acts as (username)"), { target: { value: "alice" } });
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Create key" }));
    });
    const post = fetchMock.mock.calls.find(([, init]) => init?.method === "POST")!;
    expect(JSON.parse(post[1].body as string)).toEqual({
      name: "x",
      kind: "user",
      username: "alice",
    });
    expect(screen.getByRole("alert").textContent).toBe('A key named "x" already exists.');
    expect(screen.queryByLabelText("New key")).toBeNull();
  });

  it("Revoke asks first, then revokes and shows the key as revoked", async () => {
    await act(async () => {
      render(<AccessKeys getAccessToken={getAccessToken} />);
    });
    fireEvent.click(await screen.findByRole("button", { name: "Revoke foundry-project" }));
    const dialog = screen.getByRole("dialog", { name: "Revoke foundry-project?" });
    await act(async () => {
      fireEvent.click(within(dialog).getByRole("button", { name: "Revoke" }));
    });
    expect(
      fetchMock.mock.calls.some(
        ([url, init]) =>
          url === "/api/admin/keys/key_00000000000000aa" && init?.method === "DELETE",
      ),
    ).toBe(true);
    await waitFor(() => expect(screen.getByText(/^Revoked /)).toBeTruthy());
    expect(screen.queryByRole("button", { name: "Revoke foundry-project" })).toBeNull();
    expect(screen.getByText("Key foundry-project revoked.")).toBeTruthy();
  });

  it("non-admins see that the page is for administrators, and no request is made", async () => {
    signInAs("Alice Anderson", []);
    await act(async () => {
      render(
        <AuthProvider>
          <AuthGate>
            <AdminKeysPage />
          </AuthGate>
        </AuthProvider>,
      );
    });
    expect(await screen.findByText("This page is for administrators.")).toBeTruthy();
    expect(fetchMock.mock.calls.some(([url]) => String(url).startsWith("/api/admin"))).toBe(false);
  });

  it("the account menu links to the admin pages for Admins only", async () => {
    signInAs("Dana Diaz", ["Admin"]);
    const { unmount } = await act(async () =>
      render(
        <AuthProvider>
          <AuthGate>
            <UserMenu />
          </AuthGate>
        </AuthProvider>,
      ),
    );
    fireEvent.click(await screen.findByRole("button", { name: "Dana Diaz, account menu" }));
    const links = {
      "Tool catalog": "/admin/tools",
      Usage: "/admin/usage",
      "Audit log": "/admin/audit",
      "MCP access keys": "/admin/keys",
    };
    for (const [name, href] of Object.entries(links))
      expect(screen.getByRole("link", { name }).getAttribute("href")).toBe(href);
    unmount();
    sessionStorage.clear();
    localStorage.clear();

    signInAs("Carol Chen", ["Approver"]);
    await act(async () => {
      render(
        <AuthProvider>
          <AuthGate>
            <UserMenu />
          </AuthGate>
        </AuthProvider>,
      );
    });
    fireEvent.click(await screen.findByRole("button", { name: "Carol Chen, account menu" }));
    expect(screen.getByRole("link", { name: "Connections" })).toBeTruthy();
    for (const name of Object.keys(links)) expect(screen.queryByRole("link", { name })).toBeNull();
  });
});

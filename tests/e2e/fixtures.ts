import { test as base, expect, type Page } from "@playwright/test";

/** Tests run against the app that global-setup started; `token()` is the bearer the page holds. */
export const test = base.extend<{
  signIn: (user: "Alice" | "Bob" | "Carol" | "Dana") => Promise<void>;
  token: () => Promise<string>;
}>({
  baseURL: async ({}, provide) => provide(process.env.E2E_BASE_URL),
  token: async ({ page }, provide) => {
    await provide(() => bearerOf(page));
  },
  signIn: async ({ page }, provide) => {
    await provide((user) => signInOn(page, user));
  },
});

/** Signs a demo user in on `page` through the local identity provider's sign-in screen. */
export async function signInOn(page: Page, user: "Alice" | "Bob" | "Carol" | "Dana") {
  await page.goto("/");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("button", { name: new RegExp(`Sign in as ${user}`) }).click();
  await expect(page.getByRole("textbox", { name: "Message" })).toBeVisible();
}

export { expect };

/**
 * The signed-in page's access token, read from its session (not sniffed from a request: a test
 * may need it before the page has made any authenticated call).
 */
export async function bearerOf(page: Page): Promise<string> {
  const handle = await page.waitForFunction(() => {
    const raw = localStorage.getItem("fac.auth.local.session");
    return (raw && (JSON.parse(raw) as { accessToken?: string }).accessToken) || false;
  });
  return (await handle.jsonValue()) as string;
}

/** Sends a message; a first one also waits for its conversation's address (/c/:id). */
export async function send(page: Page, text: string): Promise<void> {
  const first = !/\/c\/[^/]+$/.test(page.url());
  await sendNow(page, text);
  // The chat shows the new conversation at once and the address follows (slower on a cold dev
  // server, which compiles /c/[id] first): a test that reloads must reload the conversation.
  if (first) await expect(page).toHaveURL(/\/c\/[0-9a-f-]{36}$/, { timeout: 60_000 });
}

/** Types a message and presses Enter, without waiting for anything. */
export async function sendNow(page: Page, text: string): Promise<void> {
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await box.press("Enter");
}

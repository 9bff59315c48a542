import { expect, send, test } from "./fixtures";

const END_OF_LONG = "That is the end of the long answer.";

test("a user signs in, watches an answer stream, reloads mid-stream and sees the whole answer once", async ({
  page,
  signIn,
}) => {
  await signIn("Alice");
  await send(page, "Please give me a long answer");
  await expect(page).toHaveURL(/\/c\/[0-9a-f-]{36}$/);

  const answer = page.getByTestId("assistant-message");
  await expect(answer).toContainText("Part 1 of 12");
  await expect(page.getByRole("button", { name: "Stop", exact: true })).toBeVisible();
  await expect(answer).not.toContainText(END_OF_LONG);

  await page.reload();
  await expect(page.getByTestId("turn")).toHaveAttribute("data-status", "completed");
  await expect(page.getByTestId("user-message")).toHaveCount(1);
  await expect(page.getByTestId("assistant-message")).toHaveCount(1);
  const text = await page.getByTestId("assistant-message").innerText();
  for (let i = 1; i <= 12; i++)
    expect(text.split(`Part ${i} of 12.`).length - 1, `part ${i}`).toBe(1);
  expect(text.split(END_OF_LONG).length - 1).toBe(1);
  await expect(page.getByRole("button", { name: "Send", exact: true })).toBeVisible();
  // The conversation is kept and named after the first message.
  // (Other specs may have conversations with the same name: this one is the current page.)
  await expect(
    page.getByRole("navigation", { name: "Conversations" }).locator('a[aria-current="page"]'),
  ).toHaveText("Please give me a long answer");
});

test("Stop cancels the run on the server", async ({ page, signIn }) => {
  await signIn("Alice");
  await send(page, "Another long answer, please");
  await expect(page.getByTestId("assistant-message")).toContainText("Part 1 of 12");
  await page.getByRole("button", { name: "Stop", exact: true }).click();
  await expect(page.getByTestId("run-cancelled")).toBeVisible();
  await expect(page.getByTestId("turn")).toHaveAttribute("data-status", "cancelled");
  await expect(page.getByTestId("assistant-message")).not.toContainText(END_OF_LONG);
  await page.reload();
  await expect(page.getByTestId("turn")).toHaveAttribute("data-status", "cancelled");
  await expect(page.getByTestId("assistant-message")).not.toContainText(END_OF_LONG);
});

test("another user gets 404 for a conversation and its events", async ({
  page,
  signIn,
  token,
  request,
}) => {
  await signIn("Alice");
  await send(page, "Hello there");
  await expect(page).toHaveURL(/\/c\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("turn")).toHaveAttribute("data-status", "completed");
  const url = page.url();
  const id = url.split("/c/")[1]!;

  await page.getByRole("button", { name: /Alice/ }).click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn("Bob");
  await page.goto(url);
  await expect(page.getByRole("alert").filter({ hasText: "doesn't exist" })).toBeVisible();
  await expect(page.getByText("Hello there")).toHaveCount(0);

  const bob = await token();
  expect(bob).not.toBe("");
  for (const path of [`/api/conversations/${id}`, `/api/conversations/${id}/events`]) {
    const res = await request.get(path, { headers: { authorization: `Bearer ${bob}` } });
    expect(res.status(), path).toBe(404);
  }
});

test("the layout works on a phone and in dark mode", async ({ page, signIn }) => {
  await page.setViewportSize({ width: 390, height: 780 });
  await page.emulateMedia({ colorScheme: "dark" });
  await signIn("Alice");
  await expect(page.locator("html")).toHaveClass(/dark/);
  await page.getByRole("button", { name: "Open conversations" }).click();
  await expect(page.getByRole("dialog", { name: "Conversations" })).toBeVisible();
  await page.getByRole("button", { name: "New conversation", exact: true }).click();
  await expect(page.getByRole("dialog", { name: "Conversations" })).toBeHidden();
  await send(page, "Show me a markdown demo");
  await expect(page.getByRole("table")).toBeVisible();
  await expect(page.getByTestId("turn")).toHaveAttribute("data-status", "completed");
});

test("pages are served with security headers", async ({ request }) => {
  const res = await request.get("/");
  const headers = res.headers();
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["content-security-policy"]).toContain("object-src 'none'");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["x-powered-by"]).toBeUndefined();
});

test("no_favicon: a page loads without any 404 (the favicon is served)", async ({
  page,
  request,
}) => {
  const missing: string[] = [];
  page.on("response", (res) => {
    if (res.status() === 404) missing.push(res.url());
  });
  await page.goto("/");
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
  const icon = await request.get("/favicon.ico");
  expect(icon.status()).toBe(200);
  expect(icon.headers()["content-type"]).toMatch(/image/);
  expect(missing).toEqual([]);
});

test("a conversation is renamed and deleted from the list with the keyboard", async ({
  page,
  signIn,
}) => {
  await signIn("Alice");
  await send(page, "Rename me please");
  await expect(page.getByTestId("turn")).toHaveAttribute("data-status", "completed");
  const list = page.getByRole("navigation", { name: "Conversations" });

  await list.getByRole("button", { name: "Rename “Rename me please”" }).focus();
  await page.keyboard.press("Enter");
  const input = list.getByRole("textbox", { name: "New title" });
  await expect(input).toBeFocused();
  await input.fill("Trip plans");
  await page.keyboard.press("Enter");
  await expect(list.getByRole("link", { name: "Trip plans" })).toBeVisible();
  await page.reload();
  await expect(list.getByRole("link", { name: "Trip plans" })).toBeVisible();

  await list.getByRole("button", { name: "Delete “Trip plans”" }).focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Delete conversation?" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Delete" }).click();
  await expect(list.getByRole("link", { name: "Trip plans" })).toHaveCount(0);
  await expect(page).toHaveURL(/\/$/);
});

import type { Page } from "@playwright/test";
import { expect, send, sendNow, signInOn, test } from "./fixtures";

/** Regression tests for what a new user met (issue 8): following answers, drafts, Stop, sign-in. */

const QUOTE = "Tables, code blocks and quotes all stream chunk by chunk.";

const conversations = (page: Page) => page.getByRole("navigation", { name: "Conversations" });
const messageBox = (page: Page) => page.getByRole("textbox", { name: "Message" });
const log = (page: Page) => page.getByRole("log", { name: "Conversation" });
const idOf = (page: Page) => page.url().split("/c/")[1]!;

/** Holds every request `match` selects until `release()` (or the page closes). */
async function hold(page: Page, url: string | RegExp, method = "POST") {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  await page.route(url, async (route) => {
    if (route.request().method() !== method) return route.fallback();
    await released;
    await route.continue().catch(() => {});
  });
  return release;
}

/** Lets every request `url` selects through after `ms`. */
async function delay(page: Page, url: string | RegExp, ms: number, method = "POST") {
  await page.route(url, async (route) => {
    if (route.request().method() !== method) return route.fallback();
    await new Promise((r) => setTimeout(r, ms));
    await route.continue().catch(() => {});
  });
}

for (const [device, size] of [
  ["desktop", { width: 1280, height: 640 }],
  ["phone", { width: 390, height: 700 }],
] as const) {
  test(`markdown_answer_is_followed_to_its_end (${device}): the last line is on screen when it finishes`, async ({
    page,
    signIn,
  }) => {
    await page.setViewportSize(size);
    await signIn("Alice");
    // A busy device: frames (and scroll events) lag behind the streamed text.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    // Something to scroll past first, so the answer starts near the bottom of the screen.
    await send(page, "Hello there");
    // The first message after the server started may wait for a compile.
    await expect(page.getByTestId("turn")).toHaveAttribute("data-status", "completed", {
      timeout: 60_000,
    });
    await send(page, "Show me a markdown demo");
    await expect(page.getByTestId("turn").nth(1)).toHaveAttribute("data-status", "completed");
    await expect(log(page).getByRole("table")).toBeVisible();
    await expect(log(page).getByText(QUOTE)).toBeInViewport({ ratio: 1 });
  });
}

test("scrolled_up_reader_is_not_pulled_down: scrolling up while an answer streams stops the following", async ({
  page,
  signIn,
}) => {
  await page.setViewportSize({ width: 1280, height: 560 });
  await signIn("Alice");
  await send(page, "Please give me a long answer");
  const heading = log(page).getByRole("heading", { name: "A long answer" });
  // Once the answer is taller than the screen (and the view followed it), scroll back up.
  await expect(log(page)).toContainText("Part 7 of 12");
  await expect(heading).not.toBeInViewport();
  await log(page).hover();
  await page.mouse.wheel(0, -5000);
  await expect(heading).toBeInViewport();
  await expect(page.getByTestId("turn")).toHaveAttribute("data-status", "completed");
  await expect(heading).toBeInViewport();
});

test("enter_right_after_new_conversation_sends_to_the_new_conversation, not the previous one", async ({
  page,
  signIn,
}) => {
  await signIn("Alice");
  await send(page, "The first topic");
  await expect(page.getByTestId("turn")).toHaveAttribute("data-status", "completed");
  const first = idOf(page);
  // The page for "/" arrives late, as on a first visit to a just-started server.
  await page.route(/\/\?_rsc=/, async (route) => {
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue().catch(() => {});
  });

  await page.getByRole("button", { name: /New conversation/ }).click();
  await send(page, "A second topic");

  await expect(page).toHaveURL(/\/c\/[0-9a-f-]{36}$/);
  await expect.poll(() => idOf(page)).not.toBe(first);
  await expect(page.getByTestId("user-message")).toHaveText(["You said: A second topic"]);
  await page.unroute(/\/\?_rsc=/);
  await conversations(page).getByRole("link", { name: "The first topic" }).click();
  await expect(page).toHaveURL(new RegExp(`/c/${first}$`));
  await expect(page.getByTestId("user-message")).toHaveText(["You said: The first topic"]);
});

test("draft_typed_while_the_first_message_is_sending_is_kept", async ({ page, signIn }) => {
  await signIn("Alice");
  await delay(page, /\/api\/conversations(\/[^/]+\/messages)?$/, 1500);
  await sendNow(page, "Start a conversation");
  await messageBox(page).fill("My next thought");
  await expect(page).toHaveURL(/\/c\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("turn")).toHaveAttribute("data-status", "completed");
  await expect(messageBox(page)).toHaveValue("My next thought");
  await expect(page.getByTestId("user-message")).toHaveText(["You said: Start a conversation"]);
});

test("no_empty_conversation_left_when_the_tab_closes_during_the_first_message", async ({
  page,
  context,
}) => {
  await signInOn(page, "Carol");
  // The first message takes long (a cold server); the tab is closed meanwhile.
  await hold(page, /\/api\/conversations\/[^/]+\/messages$/);
  const created = page.waitForResponse(
    (r) => r.url().endsWith("/api/conversations") && r.request().method() === "POST",
  );
  await sendNow(page, "Where did this go");
  await created;
  await page.waitForTimeout(300);
  await page.close();

  // Another tab of the same browser (still signed in: the session is shared).
  const again = await context.newPage();
  await again.goto("/");
  const list = conversations(again);
  await expect(list.getByRole("link", { name: "Where did this go" })).toBeVisible();
  await expect(list.getByRole("link", { name: "New conversation" })).toHaveCount(0);
});

test("slow_first_message_explains_what_is_happening", async ({ page, signIn }) => {
  await signIn("Alice");
  await delay(page, /\/api\/conversations(\/[^/]+\/messages)?$/, 4000);
  await sendNow(page, "Hello, slow server");
  const progress = page.getByRole("status").filter({ hasText: "Starting the agent" });
  await expect(progress).toBeVisible();
  await expect(progress).toContainText("can take a little longer");
  await expect(page.getByTestId("turn")).toHaveAttribute("data-status", "completed");
  await expect(progress).toHaveCount(0);
});

test("stop_shows_no_more_text_and_leaves_no_stale_banner: the next message goes through", async ({
  page,
  signIn,
}) => {
  await signIn("Alice");
  await send(page, "One more long answer, please");
  const answer = page.getByTestId("assistant-message");
  await expect(answer).toContainText("Part 2 of 12");
  // The server takes a while to stop (as when it was seen 0.6–3.4 s late).
  await delay(page, /\/cancel$/, 1500);
  await page.getByRole("button", { name: "Stop", exact: true }).click();
  const atStop = await answer.innerText();
  await expect(page.getByTestId("turn")).toHaveAttribute("data-status", "cancelled");
  await expect(page.getByRole("button", { name: "Send", exact: true })).toBeVisible();

  await send(page, "And now something short");
  await expect(page.getByTestId("turn")).toHaveCount(2);
  await expect(page.getByTestId("turn").nth(1)).toHaveAttribute("data-status", "completed");
  expect(await answer.first().innerText()).toBe(atStop);
  await expect(page.getByRole("alert").filter({ hasText: /answering|busy/ })).toHaveCount(0);
});

test("sign_in_is_shared_across_tabs: a conversation link opens signed in, sign-out reaches every tab", async ({
  page,
  context,
  signIn,
}) => {
  await signIn("Bob");
  await send(page, "Open me in a new tab");
  await expect(page.getByTestId("turn")).toHaveAttribute("data-status", "completed");
  const id = idOf(page);

  const other = await context.newPage();
  await other.goto(`/c/${id}`);
  await expect(other.getByTestId("user-message")).toHaveText(["You said: Open me in a new tab"]);
  await expect(other.getByRole("button", { name: "Sign in", exact: true })).toHaveCount(0);

  await other.getByRole("button", { name: /Bob/ }).click();
  await other.getByRole("button", { name: "Sign out" }).click();
  await expect(other.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
  await expect(messageBox(page)).toHaveCount(0);
});

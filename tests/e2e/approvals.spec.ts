import type { Browser, Page } from "@playwright/test";
import { bearerOf, expect, send, signInOn, test } from "./fixtures";

async function personAt(browser: Browser, user: "Bob" | "Carol") {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInOn(page, user);
  return { page, context, token: () => bearerOf(page) };
}

async function startNewConversation(page: Page): Promise<void> {
  await page
    .getByRole("button", { name: /New conversation/ })
    .first()
    .click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { name: "How can I help?" })).toBeVisible();
}

/** Connects a provider account for the signed-in user (the in-chat connect flow is elsewhere). */
async function connectProvider(page: Page, token: string, provider: string): Promise<void> {
  const res = await page.request.post(`/api/connections/${provider}`, {
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    data: {},
  });
  expect(res.ok(), await res.text()).toBe(true);
}

test("a web search shows the tool call with its result and a cited answer", async ({
  page,
  signIn,
}) => {
  await signIn("Alice");
  await send(page, "Search the web for electric SUVs");
  await expect(page.getByTestId("turn")).toHaveAttribute("data-status", "completed");
  const answer = page.getByTestId("assistant-message");
  const call = answer.getByTestId("tool-call");
  await expect(call).toContainText("tavily_search");
  await expect(call).toContainText("completed");
  await call.locator("summary").click();
  await expect(call.getByRole("heading", { name: "Result" })).toBeVisible();
  const sources = answer.getByRole("navigation", { name: "Sources" });
  await expect(sources.getByRole("link").first()).toHaveAttribute("href", /^https:\/\//);
  await expect(answer).not.toContainText("【");
});

test("an SMS waits for alice's approval across a reload, then is sent; a rejected one is not", async ({
  page,
  signIn,
  token,
}) => {
  await signIn("Alice");
  await connectProvider(page, await token(), "twilio");
  await send(page, "Send an SMS to +14155550100 saying hello");
  const card = page.getByRole("region", { name: "Approval request for twilio_send_sms" });
  await expect(card).toBeVisible();
  await expect(card).toContainText("+14155550100");
  await expect(page.getByTestId("turn")).toHaveAttribute("data-status", "awaiting_approval");

  await page.reload();
  await expect(card).toBeVisible();
  await card.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByTestId("turn")).toHaveAttribute("data-status", "completed");
  await expect(card).toContainText(/Approved/);
  const answer = page.getByTestId("assistant-message");
  await expect(answer.getByTestId("tool-call")).toContainText("twilio_send_sms");
  await expect(answer).toContainText("+14155550100");

  // The reject path: a new conversation, same request, rejected with a reason.
  await startNewConversation(page);
  await send(page, "Send an SMS to +14155550100 saying hello");
  const second = page.getByRole("region", { name: "Approval request for twilio_send_sms" });
  await second.getByRole("textbox", { name: /Reason/ }).fill("Wrong number");
  await second.getByRole("button", { name: "Reject" }).click();
  await expect(page.getByTestId("turn")).toHaveAttribute("data-status", "completed");
  await expect(second).toContainText(/Rejected/);
  await expect(page.getByTestId("assistant-message").getByTestId("tool-call")).toHaveCount(0);
});

test("a task deletion waits for an approver: carol's inbox shows it live, she approves, alice's page continues", async ({
  page,
  signIn,
  token,
  browser,
}) => {
  const carol = await personAt(browser, "Carol");
  const bob = await personAt(browser, "Bob");
  try {
    await carol.page.goto("/approvals");
    await expect(carol.page.getByRole("heading", { name: "Approvals", level: 1 })).toBeVisible();

    await signIn("Alice");
    await connectProvider(page, await token(), "graph");
    await send(page, "Create a task called Old brochure");
    const create = page.getByRole("region", { name: "Approval request for planner_create_task" });
    await create.getByRole("button", { name: "Approve" }).click();
    await expect(page.getByTestId("turn")).toHaveAttribute("data-status", "completed");
    const taskId = (
      await page.getByTestId("assistant-message").locator("code").last().innerText()
    ).trim();
    expect(taskId, "the answer names the created task's id").toMatch(/^[A-Za-z0-9_-]{10,}$/);

    await startNewConversation(page);
    await send(page, `Delete task ${taskId}`);
    const card = page.getByRole("region", { name: "Approval request for planner_delete_task" });
    await expect(card).toContainText("Waiting for an approver");
    await expect(card.getByRole("button", { name: "Approve" })).toHaveCount(0);

    // carol's open inbox shows it without a reload.
    const item = carol.page.getByRole("article", { name: "planner_delete_task" });
    await expect(item).toBeVisible();
    await expect(item).toContainText(`Delete task ${taskId}`);

    // bob may not even see it.
    const approvalUrl = await item
      .getByRole("link", { name: "planner_delete_task" })
      .getAttribute("href");
    const approvalId = approvalUrl!.split("/").pop()!;
    const res = await bob.page.request.get(`/api/approvals/${approvalId}`, {
      headers: { authorization: `Bearer ${await bob.token()}` },
    });
    expect(res.status()).toBe(404);

    await item.getByRole("button", { name: "Approve" }).click();
    await expect(page.getByTestId("turn")).toHaveAttribute("data-status", "completed");
    await expect(card).toContainText(/Approved by Carol/);
    await expect(page.getByTestId("assistant-message").getByTestId("tool-call")).toContainText(
      "planner_delete_task",
    );
  } finally {
    await carol.context.close();
    await bob.context.close();
  }
});

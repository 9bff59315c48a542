import type { Page } from "@playwright/test";
import { expect, send, test } from "./fixtures";

/**
 * Dana starts with no consent to the tools connection and no provider accounts (global setup gave
 * consent for the other users only): the whole human-in-the-loop chain of one tool call.
 */
async function allowInPopup(page: Page, decision: "Allow" | "Deny"): Promise<void> {
  const card = page.getByRole("region", { name: /Sign-in needed/ }).last();
  await expect(card).toBeVisible();
  const [popup] = await Promise.all([
    page.waitForEvent("popup"),
    card.getByRole("button", { name: "Open sign-in" }).click(),
  ]);
  await popup.getByRole("button", { name: decision }).click();
  await popup.waitForEvent("close", { timeout: 20_000 });
}

test("consent, approval and connect in one request: the SMS is sent, the message shown once, a reload reads the same", async ({
  page,
  signIn,
}) => {
  await signIn("Dana");
  await send(page, "Send an SMS to +14155550100 saying hello");
  await allowInPopup(page, "Allow");

  const approval = page.getByRole("region", { name: "Approval request for twilio_send_sms" });
  await approval.getByRole("button", { name: "Approve" }).click();

  // Dana's Twilio account is not connected: the call says so, and the card connects it.
  const connect = page.getByRole("region", { name: "Connect Twilio" });
  const [popup] = await Promise.all([
    page.waitForEvent("popup"),
    connect.getByRole("button", { name: "Connect Twilio" }).click(),
  ]);
  await popup.getByRole("button", { name: "Connect Twilio" }).click();
  await popup.waitForEvent("close", { timeout: 20_000 });

  // The call is retried by itself and the answer reports the sent SMS.
  const turns = page.getByTestId("turn");
  await expect(turns.last()).toHaveAttribute("data-status", "completed");
  await expect(turns.last()).toContainText(/Sent your SMS to \+14155550100/);
  await expect(page.getByTestId("user-message")).toHaveCount(1);
  const before = await page.getByRole("log", { name: "Conversation" }).innerText();

  await page.reload();
  await expect(page.getByTestId("turn").last()).toHaveAttribute("data-status", "completed");
  await expect(page.getByTestId("user-message")).toHaveCount(1);
  await expect(page.getByRole("log", { name: "Conversation" })).toContainText(
    /Sent your SMS to \+14155550100/,
  );
  expect(before).toContain("+14155550100");
});

test("revoking the consent asks again; denying it leaves a clear, retryable state", async ({
  page,
  signIn,
}) => {
  await signIn("Dana");
  await page.goto("/connections");
  await expect(page.getByRole("heading", { name: "Connections", level: 1 })).toBeVisible();
  await page
    .getByRole("button", { name: /^Revoke consent to/ })
    .first()
    .click();
  await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByRole("button", { name: /^Revoke consent to/ })).toHaveCount(0);

  await page.goto("/");
  await send(page, "Search the web for electric SUVs");
  await allowInPopup(page, "Deny");
  const turn = page.getByTestId("turn").last();
  await expect(turn).toHaveAttribute("data-status", /completed|failed/);
  await expect(turn).toContainText(/declined/i);

  // Asking again offers the sign-in again, and allowing it answers the question.
  await send(page, "Search the web for electric SUVs");
  await allowInPopup(page, "Allow");
  await expect(page.getByTestId("turn").last()).toHaveAttribute("data-status", "completed");
  await expect(page.getByTestId("turn").last().getByTestId("tool-call")).toContainText(
    "tavily_search",
  );
});

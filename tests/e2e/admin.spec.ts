import { expect, test } from "./fixtures";

test("an Admin creates an MCP access key in the running app, sees it once, and revokes it", async ({
  page,
  signIn,
}) => {
  await signIn("Dana");
  await page.goto("/admin/keys");
  await expect(page.getByRole("heading", { name: "MCP access keys", level: 1 })).toBeVisible();
  await page.getByRole("textbox", { name: "Name" }).fill("portal-agent-e2e");
  await page.getByRole("button", { name: "Create key" }).click();
  const key = page.getByRole("textbox", { name: "New key" });
  await expect(key).toHaveValue(/\S{20,}/);
  await expect(page.getByText("This key will not be shown again.")).toBeVisible();
  const secret = await key.inputValue();
  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("textbox", { name: "New key" })).toHaveCount(0);
  await expect(page.locator("body")).not.toContainText(secret);

  await page.getByRole("button", { name: "Revoke portal-agent-e2e" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByRole("button", { name: "Revoke portal-agent-e2e" })).toHaveCount(0);
});

test("the keys page is for administrators only", async ({ page, signIn }) => {
  await signIn("Carol");
  await page.goto("/admin/keys");
  await expect(page.getByText("This page is for administrators.")).toBeVisible();
});

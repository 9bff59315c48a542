import AxeBuilder from "@axe-core/playwright";
import fs from "node:fs";
import type { APIRequestContext, Page } from "@playwright/test";
import { expect, test } from "./fixtures";

/**
 * The administration pages (issue 9, "Operate it"): dana (Admin) reads the tool catalog, sees
 * usage charts after some MCP calls, filters the audit log, opens an entry, verifies the chain and
 * exports it; alice (User) and carol (Approver) are refused by the pages and the API. dana never
 * chats here (consent.spec.ts needs her unconsented); the calls come from an access key.
 */

/** The admin pages, and what shows once each has loaded its data. */
const PAGES = [
  {
    path: "/admin/tools",
    heading: "Tool catalog",
    loaded: (p: Page) => p.getByText(/ of \d+ tools/),
  },
  { path: "/admin/usage", heading: "Usage", loaded: (p: Page) => p.getByRole("figure").first() },
  { path: "/admin/audit", heading: "Audit log", loaded: (p: Page) => p.getByRole("table") },
] as const;

async function seriousViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
    .analyze();
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/** A few MCP tool calls as alice through a user access key dana creates (no chat involved). */
async function makeMcpCalls(
  request: APIRequestContext,
  token: () => Promise<string>,
): Promise<void> {
  // The bearer is the one the page sends; wait for its first authorized request.
  const bearer = await token();
  const created = await request.post("/api/admin/keys", {
    headers: { authorization: `Bearer ${bearer}` },
    data: { name: `ops-e2e-${Date.now()}`, kind: "user", username: "alice" },
  });
  expect(created.status()).toBe(201);
  const { key, id } = (await created.json()) as { key: string; id: string };
  const call = (name: string, args: Record<string, unknown>, n: number) =>
    request.post("/api/mcp", {
      headers: {
        "x-api-key": key,
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2025-11-25",
      },
      data: { jsonrpc: "2.0", id: n, method: "tools/call", params: { name, arguments: args } },
    });
  for (let i = 0; i < 3; i++)
    expect((await call("provider_connection_status", {}, i)).status()).toBe(200);
  expect((await call("provider_connection_status", { provider: "nope" }, 9)).status()).toBe(200);
  await request.delete(`/api/admin/keys/${id}`, { headers: { authorization: `Bearer ${bearer}` } });
}

test("dana reads the tool catalog: a tool's risk, approval, policy source and schema", async ({
  page,
  signIn,
}) => {
  await signIn("Dana");
  await page.getByRole("button", { name: /account menu/ }).click();
  await page.getByRole("link", { name: "Tool catalog" }).click();
  await expect(page.getByRole("heading", { name: "Tool catalog", level: 1 })).toBeVisible();
  const nav = page.getByRole("navigation", { name: "Administration" });
  await expect(nav.getByRole("link", { name: "Tool catalog" })).toHaveAttribute(
    "aria-current",
    "page",
  );

  await page.getByRole("searchbox", { name: "Filter tools" }).fill("twilio_send_sms");
  const sms = page.getByRole("article", { name: "twilio_send_sms" });
  await expect(sms).toBeVisible();
  await expect(sms.getByText("Risk: write")).toBeVisible();
  await expect(sms.getByText("Always, by the requester")).toBeVisible();
  await expect(sms.getByText("allow: twilio_send_sms")).toBeVisible();
  await sms.getByText("Input schema").click();
  const schema = sms.getByRole("region", { name: "Input schema of twilio_send_sms" });
  await expect(schema).toBeVisible();
  await expect(schema).toContainText('"type": "object"');
  await expect(schema).toContainText('"to"');
});

test("dana sees usage charts after MCP calls, uses the audit log, verifies and exports it", async ({
  page,
  signIn,
  token,
}) => {
  await signIn("Dana");
  await page.goto("/admin/usage");
  await expect(page.getByRole("heading", { name: "Usage", level: 1 })).toBeVisible();
  await makeMcpCalls(page.request, token);

  await page.getByRole("button", { name: "Refresh" }).click();
  const perTool = page.getByRole("figure", { name: "Calls per tool" });
  await expect(perTool.locator(".recharts-bar-rectangle").first()).toBeVisible();
  await expect(
    page.getByRole("figure", { name: "Calls over time" }).locator("svg").first(),
  ).toBeVisible();
  await expect(page.getByRole("figure", { name: "Latency per tool (ms)" })).toBeVisible();
  await expect(page.getByRole("figure", { name: "Outcomes" })).toBeVisible();
  // The text alternative of a chart: its numbers as a table.
  await perTool.getByText("Calls per tool as a table").click();
  const row = perTool.getByRole("row", { name: /provider_connection_status/ });
  await expect(row).toBeVisible();

  // Audit: filter, detail, verify, export.
  await page
    .getByRole("navigation", { name: "Administration" })
    .getByRole("link", { name: "Audit log" })
    .click();
  await expect(page.getByRole("heading", { name: "Audit log", level: 1 })).toBeVisible();
  await page.getByRole("textbox", { name: "Tool" }).fill("provider_connection_status");
  await page.getByRole("combobox", { name: "Outcome" }).fill("invalid_arguments");
  await page.getByRole("button", { name: "Apply filters" }).click();
  const rows = page.getByRole("table").getByRole("row");
  await expect(rows.nth(1)).toContainText("invalid_arguments");
  await rows
    .nth(1)
    .getByRole("link", { name: /details/ })
    .click();
  await expect(page.getByRole("heading", { name: /^Audit entry \d+$/ })).toBeVisible();
  await expect(page.getByText("The content matches its hash.")).toBeVisible();
  await expect(page.getByText("alice@contoso.local")).toBeVisible();
  await page.getByRole("link", { name: "Audit log" }).first().click();

  await page.getByRole("button", { name: "Verify chain" }).click();
  await expect(
    page.getByRole("status").getByText(/Chain verified: \d+ entries checked/),
  ).toBeVisible();

  for (const format of ["jsonl", "csv"] as const) {
    const downloaded = page.waitForEvent("download");
    await page
      .getByRole("button", { name: format === "csv" ? "Export CSV" : "Export JSON Lines" })
      .click();
    const download = await downloaded;
    expect(download.suggestedFilename()).toMatch(new RegExp(`^audit-.*\\.${format}$`));
    const text = fs.readFileSync(await download.path(), "utf8");
    if (format === "csv") {
      expect(text.split("\r\n")[0]).toMatch(/^id,at,userId,username,/);
      expect(text).toContain("provider_connection_status");
    } else {
      const first = JSON.parse(text.split("\n")[0]!) as { id: number; hash: string };
      expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    }
  }
});

for (const scheme of ["light", "dark"] as const) {
  test(`the admin pages have no serious accessibility violations (${scheme})`, async ({
    page,
    signIn,
    token,
  }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await signIn("Dana");
    // Some calls, so the charts, tables and the audit list are there to be checked.
    await makeMcpCalls(page.request, token);
    for (const p of PAGES) {
      await page.goto(p.path);
      await expect(page.getByRole("heading", { name: p.heading, level: 1 })).toBeVisible();
      await expect(p.loaded(page)).toBeVisible();
      await page.waitForTimeout(300);
      expect(await seriousViolations(page), p.path).toEqual([]);
    }
  });
}

for (const user of ["Alice", "Carol"] as const) {
  test(`${user} is refused the admin pages and their API, and the menu has no admin links`, async ({
    page,
    signIn,
    token,
  }) => {
    await signIn(user);
    await page.getByRole("button", { name: /account menu/ }).click();
    await expect(page.getByRole("link", { name: "Tool catalog" })).toHaveCount(0);
    await expect(page.getByRole("link", { name: "Audit log" })).toHaveCount(0);
    for (const p of PAGES) {
      await page.goto(p.path);
      await expect(page.getByText("This page is for administrators.")).toBeVisible();
      await expect(page.getByRole("navigation", { name: "Administration" })).toHaveCount(0);
    }
    const auth = { authorization: `Bearer ${await token()}` };
    for (const path of [
      "/api/admin/tools",
      "/api/admin/usage",
      "/api/admin/audit",
      "/api/admin/audit/export",
    ]) {
      const res = await page.request.get(path, { headers: auth });
      expect(res.status(), path).toBe(403);
    }
    expect((await page.request.post("/api/admin/audit/verify", { headers: auth })).status()).toBe(
      403,
    );
  });
}

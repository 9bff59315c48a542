import AxeBuilder from "@axe-core/playwright";
import type { Locator, Page } from "@playwright/test";
import { expect, send, test } from "./fixtures";

/**
 * Accessibility: axe (WCAG 2.2 A/AA and best practices) on every page and on the open states a
 * user meets, in light and dark mode, plus regression tests for what a keyboard or screen-reader
 * user ran into. This spec runs first (alphabetical order), so it never consents dana: her admin
 * page is visited without using a tool; chat pages are alice's and bob's.
 */

const SCHEMES = ["light", "dark"] as const;
type Scheme = (typeof SCHEMES)[number];

/** Serious and critical axe violations on the page (or inside `include`), as readable lines. */
async function seriousViolations(page: Page, include?: string): Promise<string[]> {
  let builder = new AxeBuilder({ page }).withTags([
    "wcag2a",
    "wcag2aa",
    "wcag21a",
    "wcag21aa",
    "wcag22aa",
    "best-practice",
  ]);
  if (include) builder = builder.include(include);
  const { violations } = await builder.analyze();
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help}\n` +
        v.nodes
          .slice(0, 5)
          .map((n) => `    ${n.target.join(" ")}: ${n.failureSummary?.replace(/\s+/g, " ")}`)
          .join("\n"),
    );
}

async function expectNoSeriousViolations(page: Page, what: string, include?: string) {
  // Let transitions and fonts settle so contrast is measured on the final colours.
  await page.waitForTimeout(300);
  expect(await seriousViolations(page, include), what).toEqual([]);
}

/** Light or dark before the first paint (the layout's theme script follows the system setting). */
async function useScheme(page: Page, scheme: Scheme) {
  await page.emulateMedia({ colorScheme: scheme });
}

async function expectScheme(page: Page, scheme: Scheme) {
  if (scheme === "dark") await expect(page.locator("html")).toHaveClass(/dark/);
  else await expect(page.locator("html")).not.toHaveClass(/dark/);
}

async function signInAs(page: Page, user: "Alice" | "Bob" | "Dana") {
  await page.goto("/");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("button", { name: new RegExp(`^Sign in as ${user}`) }).click();
  await expect(page.getByRole("textbox", { name: "Message" })).toBeVisible();
}

/** A conversation whose answer is the Markdown showcase (a heading, a link, a table, code). */
async function markdownConversation(page: Page): Promise<Locator> {
  await send(page, "Show me a markdown demo");
  await expect(page).toHaveURL(/\/c\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("turn").last()).toHaveAttribute("data-status", "completed");
  return page.getByTestId("assistant-message").last();
}

function conversations(page: Page) {
  return page.getByRole("navigation", { name: "Conversations" });
}

// ---------------------------------------------------------------------------------------------
// Regression tests for the defects of issue 8 (one per defect, found by role and name).

test("rename_and_delete_icon_buttons_are_named_24px_targets_with_svg_icons_not_emoji", async ({
  page,
}) => {
  await signInAs(page, "Alice");
  await send(page, "Hello there");
  await expect(page.getByTestId("turn").last()).toHaveAttribute("data-status", "completed");
  const nav = conversations(page);
  for (const name of [/^Rename “/, /^Delete “/]) {
    const button = nav.getByRole("button", { name }).first();
    await button.focus();
    const box = await button.boundingBox();
    expect(box?.width ?? 0, `${name} width`).toBeGreaterThanOrEqual(24);
    expect(box?.height ?? 0, `${name} height`).toBeGreaterThanOrEqual(24);
    // A drawn icon, not a glyph that needs an emoji font.
    await expect(button.locator("svg")).toHaveCount(1);
    expect((await button.innerText()).trim()).toBe("");
  }
});

test("demo_account_buttons_accessible_names_include_their_visible_text", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  const accounts = page.getByRole("group", { name: "Demo accounts" }).getByRole("button");
  await expect(accounts).toHaveCount(4);
  for (const button of await accounts.all()) {
    // Every piece of text a sighted user reads on the button is in the name a voice user says.
    const visible = await button.evaluate((el) => {
      const out: string[] = [];
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const parent = n.parentElement;
        if (!parent || parent.closest('[aria-hidden="true"]')) continue;
        if (parent.getBoundingClientRect().width <= 1) continue; // visually hidden
        const text = n.textContent?.trim();
        if (text) out.push(text);
      }
      return out;
    });
    expect(visible.length).toBeGreaterThan(2);
    for (const text of visible) {
      await expect(button).toHaveAccessibleName(
        new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")),
      );
    }
  }
  await expect(
    page.getByRole("button", { name: /^Sign in as Alice Anderson\b.*\balice@contoso\.local\b/ }),
  ).toBeVisible();
});

test("links_in_answers_are_links_and_the_external_link_box_is_a_modal_dialog_that_keeps_focus", async ({
  page,
}) => {
  await signInAs(page, "Alice");
  const answer = await markdownConversation(page);
  const link = answer.getByRole("link", { name: "link to Azure AI Foundry" });
  await expect(link).toHaveAttribute("href", "https://learn.microsoft.com/azure/ai-foundry/");
  await expect(answer.getByRole("button", { name: "link to Azure AI Foundry" })).toHaveCount(0);

  await link.focus();
  await link.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Open external link?" });
  await expect(dialog).toBeVisible();
  await expect(dialog).toHaveAttribute("aria-modal", "true");
  await expect(dialog).toContainText("https://learn.microsoft.com/azure/ai-foundry/");
  // Focus moves into the box and Tab never reaches the page underneath.
  const focusInDialog = () =>
    page.evaluate(() => {
      const d = document.querySelector("dialog[open]");
      const a = document.activeElement;
      return !!d && !!a && (a === document.body || d.contains(a));
    });
  expect(await focusInDialog()).toBe(true);
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press("Tab");
    expect(await focusInDialog(), `after Tab ${i + 1}`).toBe(true);
  }
  await expectNoSeriousViolations(page, "the external-link dialog");
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  await expect(link).toBeFocused();

  // Open link opens the page in a new tab, without a handle back to the app (no network here:
  // the external page is answered locally).
  await page
    .context()
    .route("https://learn.microsoft.com/**", (route) =>
      route.fulfill({ contentType: "text/html", body: "<title>external</title>" }),
    );
  await link.click();
  const [popup] = await Promise.all([
    page.context().waitForEvent("page"),
    page
      .getByRole("dialog", { name: "Open external link?" })
      .getByRole("button", { name: "Open link" })
      .click(),
  ]);
  await popup.waitForLoadState();
  expect(popup.url()).toBe("https://learn.microsoft.com/azure/ai-foundry/");
  expect(await popup.evaluate(() => window.opener)).toBeNull();
  await popup.close();
});

test("markdown_headings_in_answers_do_not_make_a_second_h1", async ({ page }) => {
  await signInAs(page, "Alice");
  const answer = await markdownConversation(page);
  await expect(answer.getByRole("heading", { name: "Markdown showcase" })).toBeVisible();
  await expect(page.getByRole("heading", { level: 1 })).toHaveCount(1);
  await expect(answer.getByRole("heading", { name: "Markdown showcase", level: 2 })).toBeVisible();
});

test("focus_returns_to_the_conversation_after_renaming_with_enter", async ({ page }) => {
  await signInAs(page, "Alice");
  await send(page, "Hello for a rename");
  await expect(page.getByTestId("turn").last()).toHaveAttribute("data-status", "completed");
  const nav = conversations(page);
  await nav.getByRole("button", { name: "Rename “Hello for a rename”" }).click();
  const box = nav.getByRole("textbox", { name: "New title" });
  await expect(box).toBeFocused();
  await expectNoSeriousViolations(page, "the rename form");
  await box.fill("Renamed by keyboard");
  await box.press("Enter");
  const renamed = nav.getByRole("button", { name: "Rename “Renamed by keyboard”" });
  await expect(renamed).toBeFocused();

  // Escape cancels and also puts focus back.
  await renamed.press("Enter");
  await nav.getByRole("textbox", { name: "New title" }).press("Escape");
  await expect(renamed).toBeFocused();
});

test("the_404_page_has_a_main_landmark_a_heading_and_a_way_back_into_the_app", async ({ page }) => {
  const res = await page.goto("/no-such-page");
  expect(res?.status()).toBe(404);
  const main = page.getByRole("main");
  await expect(main).toHaveCount(1);
  await expect(main.getByRole("heading", { level: 1 })).toHaveText("Page not found");
  await main.getByRole("link", { name: "Go to Foundry Agent Chat" }).click();
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
});

// ---------------------------------------------------------------------------------------------
// axe on every page, light and dark.

for (const scheme of SCHEMES) {
  test.describe(`axe, ${scheme} mode`, () => {
    test.beforeEach(async ({ page }) => useScheme(page, scheme));

    test(`signed-out pages have no serious violations (${scheme})`, async ({ page }) => {
      await page.goto("/");
      await expectScheme(page, scheme);
      await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
      await expectNoSeriousViolations(page, "sign-in");

      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await expect(page.getByRole("group", { name: "Demo accounts" })).toBeVisible();
      await expectScheme(page, scheme);
      await expectNoSeriousViolations(page, "the local IdP's account chooser");

      await page.goto("/local-idp/authorize?client_id=nobody");
      await expect(
        page.getByRole("heading", { name: "This sign-in request cannot be completed" }),
      ).toBeVisible();
      await expectNoSeriousViolations(page, "the local IdP's error page");

      await page.goto("/no-such-page");
      await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
      await expectNoSeriousViolations(page, "404");

      await page.goto("/connect/twilio");
      await expect(page.getByRole("heading", { name: "Connect Twilio" })).toBeVisible();
      await expect(page.getByText("This link has expired")).toBeVisible();
      await expectNoSeriousViolations(page, "the connect page without a token");
    });

    test(`chat pages have no serious violations (${scheme})`, async ({ page }) => {
      await signInAs(page, "Alice");
      await expectScheme(page, scheme);
      await expect(page.getByRole("heading", { name: "How can I help?" })).toBeVisible();
      await expectNoSeriousViolations(page, "new chat");

      await page.getByRole("button", { name: /Alice Anderson/ }).click();
      await expect(page.getByRole("link", { name: "Connections" })).toBeVisible();
      await expectNoSeriousViolations(page, "the account menu");
      await page.keyboard.press("Escape");

      const answer = await markdownConversation(page);
      await expect(answer.getByRole("table")).toBeVisible();
      await expectNoSeriousViolations(page, "a conversation with a Markdown answer");

      await send(page, "Search the web for electric SUVs");
      await expect(page.getByTestId("turn").last()).toHaveAttribute("data-status", "completed");
      await page.getByTestId("tool-call").last().locator("summary").click();
      await expectNoSeriousViolations(page, "a cited answer with an open tool call");

      await page.setViewportSize({ width: 390, height: 780 });
      await page.getByRole("button", { name: "Open conversations" }).click();
      await expect(page.getByRole("dialog", { name: "Conversations" })).toBeVisible();
      await expectNoSeriousViolations(page, "the conversations drawer on a phone");
    });

    test(`approval pages have no serious violations (${scheme})`, async ({ page, token }) => {
      await signInAs(page, "Alice");
      const connected = await page.request.post("/api/connections/twilio", {
        headers: { authorization: `Bearer ${await token()}`, "content-type": "application/json" },
        data: {},
      });
      expect(connected.ok()).toBe(true);
      await send(page, "Send an SMS to +14155550100 saying a11y check");
      const card = page.getByRole("region", { name: "Approval request for twilio_send_sms" });
      await expect(card.getByRole("button", { name: "Approve" })).toBeVisible();
      const conversation = page.url();
      await expectNoSeriousViolations(page, "a pending approval card");

      await page.goto("/approvals");
      await expectScheme(page, scheme);
      await expect(page.getByRole("heading", { name: "Approvals", level: 1 })).toBeVisible();
      const item = page.getByRole("article", { name: "twilio_send_sms" }).first();
      await expect(item).toBeVisible();
      await expectNoSeriousViolations(page, "the approvals inbox");

      await item.getByRole("link", { name: "twilio_send_sms" }).click();
      await expect(page).toHaveURL(/\/approvals\/[^/]+$/);
      await expect(page.getByRole("button", { name: "Reject" })).toBeVisible();
      await expectNoSeriousViolations(page, "one approval request");

      // Leave nothing pending for the specs after this one.
      await page.getByRole("button", { name: "Reject" }).click();
      await expect(page.getByText(/Rejected/).first()).toBeVisible();
      await page.goto(conversation);
      await expect(page.getByTestId("turn").last()).toHaveAttribute("data-status", "completed");
      await expect(card).toContainText(/Rejected/);
      await expectNoSeriousViolations(page, "a rejected approval card");
    });

    test(`connections and the consent screen have no serious violations (${scheme})`, async ({
      page,
    }) => {
      // bob gives his tools consent back at the end, as global setup left it.
      await signInAs(page, "Bob");
      await page.goto("/connections");
      await expectScheme(page, scheme);
      await expect(page.getByRole("heading", { name: "Connections", level: 1 })).toBeVisible();
      const revoke = page.getByRole("button", { name: /^Revoke consent to/ }).first();
      await expect(revoke).toBeVisible();
      await expectNoSeriousViolations(page, "connections");

      await revoke.click();
      await expect(page.getByRole("dialog")).toBeVisible();
      await expectNoSeriousViolations(page, "the revoke confirmation");
      await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
      await expect(page.getByRole("button", { name: /^Revoke consent to/ })).toHaveCount(0);

      await page.goto("/");
      await send(page, "Search the web for electric SUVs");
      const consent = page.getByRole("region", { name: /Sign-in needed/ }).last();
      await expect(consent).toBeVisible();
      await expectNoSeriousViolations(page, "the consent card");
      const [popup] = await Promise.all([
        page.waitForEvent("popup"),
        consent.getByRole("button", { name: "Open sign-in" }).click(),
      ]);
      await popup.emulateMedia({ colorScheme: scheme });
      await expect(popup.getByRole("heading", { name: "Permission requested" })).toBeVisible();
      await expectNoSeriousViolations(popup, "the local IdP's consent screen");
      await popup.getByRole("button", { name: "Allow" }).click();
      await popup.waitForEvent("close", { timeout: 20_000 });
      await expect(page.getByTestId("turn").last()).toHaveAttribute("data-status", "completed");
    });

    test(`the admin page has no serious violations (${scheme})`, async ({ page }) => {
      await signInAs(page, "Dana");
      await page.goto("/admin/keys");
      await expectScheme(page, scheme);
      await expect(page.getByRole("heading", { name: "MCP access keys", level: 1 })).toBeVisible();
      await expect(page.getByRole("textbox", { name: "Name" })).toBeVisible();
      await expectNoSeriousViolations(page, "MCP access keys");
    });
  });
}

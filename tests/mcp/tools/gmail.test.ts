import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sandboxMailbox, sandboxOutbox } from "@/lib/db/schema";
import { gmailCreateDraft } from "@/mcp-server/catalog/tools/gmail-create-draft";
import { gmailListMessages } from "@/mcp-server/catalog/tools/gmail-list-messages";
import { gmailSearchEmails } from "@/mcp-server/catalog/tools/gmail-search-emails";
import { gmailSendEmail } from "@/mcp-server/catalog/tools/gmail-send-email";
import { mailboxSeed } from "@/mcp-server/providers/sandbox/mailbox-seed";
import { connect, ctx, principal, toolError, setupMemoryDb } from "./helpers";

const db = setupMemoryDb();

async function connected(name: string) {
  const p = principal(name);
  await connect(p, "gmail");
  return p;
}

describe("gmail_list_messages", () => {
  it("seeds a realistic mailbox on first use, newest first, addressed to the user", async () => {
    const alice = await connected("alice");
    const page = await gmailListMessages.run({ maxResults: 100 }, ctx(alice));
    expect(page.messages).toHaveLength(mailboxSeed.length);
    expect(page.resultSizeEstimate).toBe(mailboxSeed.length);
    const dates = page.messages.map((m) => m.date);
    expect([...dates].sort().reverse()).toEqual(dates);
    expect(page.messages[0]).toMatchObject({
      subject: "Test drive on Saturday - Aurora EV",
      unread: true,
      to: [alice.username],
    });
    expect(page.messages[0]!.body).toBeUndefined();
    expect(page.messages[0]!.id).toMatch(/^[0-9a-f]{16}$/);
    // Seeding happens once: a second call does not duplicate.
    await gmailListMessages.run({}, ctx(alice));
    const rows = await db
      .handle()
      .db.select()
      .from(sandboxMailbox)
      .where(eq(sandboxMailbox.userId, alice.userId));
    expect(rows).toHaveLength(mailboxSeed.length);
  });

  it("seeds once even when first calls race", async () => {
    const p = await connected("race");
    await Promise.all([
      gmailListMessages.run({}, ctx(p)),
      gmailListMessages.run({}, ctx(p)),
      gmailSearchEmails.run({ query: "finance" }, ctx(p)),
    ]);
    const rows = await db
      .handle()
      .db.select()
      .from(sandboxMailbox)
      .where(eq(sandboxMailbox.userId, p.userId));
    expect(rows).toHaveLength(mailboxSeed.length);
  });

  it("filters by labels, pages with nextPageToken and returns bodies on request", async () => {
    const p = await connected("pager");
    const unread = await gmailListMessages.run(
      { labelIds: ["INBOX", "UNREAD"], includeBody: true },
      ctx(p),
    );
    expect(unread.messages.length).toBe(
      mailboxSeed.filter((m) => m.labels.includes("UNREAD")).length,
    );
    for (const m of unread.messages) expect(m.labelIds).toContain("UNREAD");
    expect(unread.messages[0]!.body).toContain("Hi pager");

    const first = await gmailListMessages.run({ maxResults: 3 }, ctx(p));
    expect(first.messages).toHaveLength(3);
    expect(first.nextPageToken).toBeTruthy();
    const second = await gmailListMessages.run(
      { maxResults: 3, pageToken: first.nextPageToken },
      ctx(p),
    );
    expect(second.messages.map((m) => m.id)).not.toContain(first.messages[0]!.id);
    const last = await gmailListMessages.run(
      { maxResults: 100, pageToken: first.nextPageToken },
      ctx(p),
    );
    expect(last.nextPageToken).toBeUndefined();
    expect(last.messages).toHaveLength(mailboxSeed.length - 3);
    expect((await toolError(gmailListMessages, { pageToken: "not-a-token" }, ctx(p))).code).toBe(
      "invalid_arguments",
    );
    expect((await toolError(gmailListMessages, { labelIds: ["SPAM"] }, ctx(p))).code).toBe(
      "invalid_arguments",
    );
  });
});

describe("gmail_search_emails", () => {
  it("supports operators, phrases, negation and OR", async () => {
    const p = await connected("searcher");
    const s = async (query: string) =>
      (await gmailSearchEmails.run({ query, maxResults: 100 }, ctx(p))).messages.map(
        (m) => m.subject,
      );
    expect(await s("from:priya")).toEqual(["Test drive on Saturday - Aurora EV"]);
    expect(await s("subject:finance")).toEqual([
      "Re: Finance quote for the Solace PHEV",
      "Finance quote for the Solace PHEV",
    ]);
    expect(await s('"part exchange"')).toEqual(["Test drive on Saturday - Aurora EV"]);
    expect(await s("is:unread has:attachment")).toEqual(["Workshop schedule for tomorrow"]);
    expect(await s("subject:finance -subject:re")).toEqual(["Finance quote for the Solace PHEV"]);
    expect((await s("from:priya OR from:lena")).sort()).toEqual([
      "Complaint: car not ready at agreed time",
      "Test drive on Saturday - Aurora EV",
    ]);
    expect(await s("newer_than:1d")).toHaveLength(
      mailboxSeed.filter((m) => m.hoursAgo < 24).length,
    );
    expect(await s("older_than:4d").then((r) => r.length)).toBe(
      mailboxSeed.filter((m) => m.hoursAgo >= 96).length,
    );
    expect(await s("label:category_promotions")).toEqual([
      "This week: used EV prices, clean air zones, dealer awards",
    ]);
    expect(await s("cc:sales-managers")).toEqual(["Northwind Traders fleet renewal - 12 vehicles"]);
    expect(await s("zebra crossing")).toEqual([]);
  });

  it("refuses malformed queries as invalid_arguments", async () => {
    const p = await connected("badq");
    for (const query of [
      "after:2024/13/45",
      "newer_than:soon",
      "is:snoozed",
      "in:spam",
      "OR from:x",
      "   ",
    ]) {
      expect((await toolError(gmailSearchEmails, { query }, ctx(p))).code, query).toBe(
        "invalid_arguments",
      );
    }
  });
});

describe("gmail_send_email", () => {
  it("sends: lands in the outbox and in the sender's Sent mail", async () => {
    const p = await connected("sender");
    const out = await gmailSendEmail.run(
      {
        to: ["priya.shah@example.com"],
        cc: ["sales@contoso-motors.example"],
        bcc: ["crm@contoso-motors.example"],
        subject: "Your test drive",
        body: "See you Saturday at 10:00.",
      },
      ctx(p),
    );
    expect(out).toMatchObject({ status: "sent", labelIds: ["SENT"] });
    const [outbox] = await db
      .handle()
      .db.select()
      .from(sandboxOutbox)
      .where(eq(sandboxOutbox.id, out.id));
    expect(outbox).toMatchObject({
      userId: p.userId,
      channel: "gmail",
      from: p.username,
      subject: "Your test drive",
    });
    expect(outbox!.to).toEqual([
      "priya.shah@example.com",
      "sales@contoso-motors.example",
      "crm@contoso-motors.example",
    ]);
    const sent = await gmailSearchEmails.run({ query: "in:sent", includeBody: true }, ctx(p));
    expect(sent.messages.map((m) => m.id)).toEqual([out.id]);
    expect(sent.messages[0]!.body).toBe("See you Saturday at 10:00.");
  });

  it("replies within a thread of the user's own mailbox; another user's thread id is not_found", async () => {
    const p = await connected("replier");
    const other = await connected("other");
    const [tom] = (await gmailSearchEmails.run({ query: "from:tom subject:re" }, ctx(p))).messages;
    const reply = await gmailSendEmail.run(
      {
        to: ["tom.becker@example.org"],
        subject: "Re: Finance quote",
        body: "HP quote attached.",
        threadId: tom!.threadId,
      },
      ctx(p),
    );
    expect(reply.threadId).toBe(tom!.threadId);
    const err = await toolError(
      gmailSendEmail,
      { to: ["tom.becker@example.org"], subject: "x", body: "y", threadId: tom!.threadId },
      ctx(other),
    );
    expect(err.code).toBe("not_found");
  });

  it.each([
    ["a bad address", { to: ["not-an-address"], subject: "s", body: "b" }],
    ["a bad cc address", { to: ["a@example.com"], cc: ["a@b"], subject: "s", body: "b" }],
    ["no recipient", { to: [], subject: "s", body: "b" }],
    [
      "a subject with a line break",
      { to: ["a@example.com"], subject: "hi\r\nBcc: victim@example.com", body: "b" },
    ],
    [
      "a subject over 998 characters",
      { to: ["a@example.com"], subject: "s".repeat(999), body: "b" },
    ],
    [
      "a body over 100000 characters",
      { to: ["a@example.com"], subject: "s", body: "b".repeat(100_001) },
    ],
    [
      "more than 500 recipients",
      {
        to: Array.from({ length: 300 }, (_, i) => `a${i}@example.com`),
        cc: Array.from({ length: 201 }, (_, i) => `c${i}@example.com`),
        subject: "s",
        body: "b",
      },
    ],
  ])("refuses %s and sends nothing", async (_label, input) => {
    const p = await connected("invalid");
    expect((await toolError(gmailSendEmail, input, ctx(p))).code).toBe("invalid_arguments");
    expect(
      await db.handle().db.select().from(sandboxOutbox).where(eq(sandboxOutbox.userId, p.userId)),
    ).toHaveLength(0);
  });
});

describe("gmail_create_draft", () => {
  it("saves a draft (no outbox row), visible only with in:drafts", async () => {
    const p = await connected("drafter");
    const d = await gmailCreateDraft.run(
      { subject: "Quote for Northwind", body: "Draft: 12 vehicles..." },
      ctx(p),
    );
    expect(d.id).toBe(`r${d.message.id}`);
    expect(d.message.labelIds).toEqual(["DRAFT"]);
    expect(
      await db.handle().db.select().from(sandboxOutbox).where(eq(sandboxOutbox.userId, p.userId)),
    ).toHaveLength(0);
    expect(
      (await gmailSearchEmails.run({ query: "Northwind" }, ctx(p))).messages.map((m) => m.id),
    ).not.toContain(d.message.id);
    expect(
      (await gmailSearchEmails.run({ query: "Northwind in:drafts" }, ctx(p))).messages.map(
        (m) => m.id,
      ),
    ).toEqual([d.message.id]);
    expect(
      (await toolError(gmailCreateDraft, { to: ["x@"], subject: "s", body: "b" }, ctx(p))).code,
    ).toBe("invalid_arguments");
  });
});

describe("mailbox isolation", () => {
  it("one user's mailbox, sent mail and drafts are never visible to another", async () => {
    const a = await connected("isoA");
    const b = await connected("isoB");
    await gmailSendEmail.run(
      { to: ["x@example.com"], subject: "secret-a-subject", body: "a" },
      ctx(a),
    );
    await gmailCreateDraft.run({ subject: "secret-a-draft", body: "a" }, ctx(a));
    const aIds = new Set(
      (await gmailListMessages.run({ maxResults: 100 }, ctx(a))).messages.map((m) => m.id),
    );
    const bPage = await gmailListMessages.run({ maxResults: 100 }, ctx(b));
    expect(bPage.messages.some((m) => aIds.has(m.id))).toBe(false);
    expect(
      (await gmailSearchEmails.run({ query: "secret-a in:anywhere" }, ctx(b))).messages,
    ).toEqual([]);
    expect(
      bPage.messages.every(
        (m) =>
          m.to.includes(b.username) || m.labelIds.includes("SENT") || m.labelIds.includes("DRAFT"),
      ),
    ).toBe(true);
  });

  it("needs a gmail connection", async () => {
    const p = principal("noconn");
    const err = await toolError(gmailListMessages, {}, ctx(p));
    expect(err.code).toBe("auth_required");
    expect(err.details.connectUrl).toContain("/connect/gmail#token=");
  });
});

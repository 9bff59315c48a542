import { randomBytes } from "node:crypto";
import { and, desc, eq } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { sandboxMailbox, sandboxOutbox, sandboxSeeds } from "@/lib/db/schema";
import { ToolError } from "@/mcp-server/catalog/types";
import type { ProviderSession } from "../types";
import { assertValid, checkEmail, checkHeaderValue, checkMaxLength } from "../validation";
import { compileGmailQuery, matchesQuery } from "./gmail-query";
import { mailboxSeed } from "./mailbox-seed";
import { assertSandboxSession } from "./session-issuer";

/** Gmail: at most 500 recipients per message; RFC 5322 caps a header line at 998 characters. */
export const GMAIL_MAX_RECIPIENTS = 500;
export const GMAIL_MAX_SUBJECT = 998;
/** The sandbox keeps bodies to 100k characters (Gmail's own cap is the 25 MB message size). */
export const GMAIL_MAX_BODY = 100_000;

export interface MailSummary {
  id: string;
  threadId: string;
  labelIds: string[];
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  snippet: string;
  date: string;
  unread: boolean;
  hasAttachment: boolean;
  body?: string;
}

/** Gmail-style ids: 16 hex digits. */
const gmailId = () => randomBytes(8).toString("hex");

/** Seeds the user's inbox exactly once, even when two first calls race. */
export async function ensureMailboxSeeded(
  userId: string,
  displayName: string,
  address: string,
): Promise<void> {
  const db = await getDb();
  await db.transaction(async (tx) => {
    const claimed = await tx
      .insert(sandboxSeeds)
      .values({ userId, kind: "mailbox" })
      .onConflictDoNothing()
      .returning();
    if (claimed.length === 0) return;
    const threads = new Map<string, string>();
    const now = Date.now();
    const first = displayName.split(/\s+/)[0] || displayName;
    await tx.insert(sandboxMailbox).values(
      mailboxSeed.map((m) => {
        if (!threads.has(m.thread)) threads.set(m.thread, gmailId());
        return {
          id: gmailId(),
          userId,
          threadId: threads.get(m.thread)!,
          labels: m.labels,
          from: m.from,
          to: [address],
          cc: m.cc ?? [],
          subject: m.subject,
          body: m.body(first),
          unread: m.labels.includes("UNREAD"),
          hasAttachment: m.hasAttachment ?? false,
          receivedAt: new Date(now - m.hoursAgo * 3600_000),
        };
      }),
    );
  });
}

type Row = typeof sandboxMailbox.$inferSelect;

function summarize(r: Row, includeBody: boolean): MailSummary {
  const snippet = r.body.replace(/\s+/g, " ").trim().slice(0, 160);
  return {
    id: r.id,
    threadId: r.threadId,
    labelIds: r.labels,
    from: r.from,
    to: r.to,
    cc: r.cc,
    subject: r.subject,
    snippet,
    date: r.receivedAt.toISOString(),
    unread: r.labels.includes("UNREAD"),
    hasAttachment: r.hasAttachment,
    ...(includeBody ? { body: r.body } : {}),
  };
}

/** Page tokens are opaque to callers; here they carry the offset of the next page. */
function decodePageToken(token: string | undefined): number {
  if (token === undefined) return 0;
  const n = Number(Buffer.from(token, "base64url").toString("utf8").replace(/^o:/, ""));
  if (!Number.isInteger(n) || n < 0)
    throw new ToolError("invalid_arguments", "pageToken is not a token this tool returned.");
  return n;
}
const encodePageToken = (offset: number) => Buffer.from(`o:${offset}`).toString("base64url");

export interface Page {
  messages: MailSummary[];
  nextPageToken?: string;
  resultSizeEstimate: number;
}

function paginate(
  rows: Row[],
  maxResults: number,
  pageToken: string | undefined,
  includeBody: boolean,
): Page {
  const offset = decodePageToken(pageToken);
  const page = rows.slice(offset, offset + maxResults).map((r) => summarize(r, includeBody));
  const next = offset + maxResults < rows.length ? encodePageToken(offset + maxResults) : undefined;
  return {
    messages: page,
    resultSizeEstimate: rows.length,
    ...(next ? { nextPageToken: next } : {}),
  };
}

export interface MailboxUser {
  userId: string;
  name: string;
  address: string;
}

async function mailboxRows(user: MailboxUser): Promise<Row[]> {
  await ensureMailboxSeeded(user.userId, user.name, user.address);
  const db = await getDb();
  return db
    .select()
    .from(sandboxMailbox)
    .where(eq(sandboxMailbox.userId, user.userId))
    .orderBy(desc(sandboxMailbox.receivedAt));
}

export async function listMessages(
  session: ProviderSession,
  user: MailboxUser,
  args: { labelIds: string[]; maxResults: number; pageToken?: string; includeBody: boolean },
): Promise<Page> {
  await assertSandboxSession(session, user.userId, "gmail");
  const rows = (await mailboxRows(user)).filter((r) =>
    args.labelIds.every((l) => r.labels.includes(l)),
  );
  return paginate(rows, args.maxResults, args.pageToken, args.includeBody);
}

export async function searchMessages(
  session: ProviderSession,
  user: MailboxUser,
  args: { query: string; maxResults: number; pageToken?: string; includeBody: boolean },
): Promise<Page> {
  await assertSandboxSession(session, user.userId, "gmail");
  const query = compileGmailQuery(args.query);
  // Like Gmail, a search without in:drafts/in:anywhere does not return drafts.
  const wantsDrafts = /\bin:(drafts?|anywhere)\b/i.test(args.query);
  const rows = (await mailboxRows(user)).filter(
    (r) =>
      (wantsDrafts || !r.labels.includes("DRAFT")) &&
      matchesQuery(query, { ...r, cc: r.cc, hasAttachment: r.hasAttachment }),
  );
  return paginate(rows, args.maxResults, args.pageToken, args.includeBody);
}

export interface ComposeArgs {
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  body: string;
  threadId?: string;
}

/** The checks Gmail's API applies to a message before it accepts it. */
export function validateCompose(args: ComposeArgs, requireRecipient: boolean): void {
  const recipients = [...args.to, ...args.cc, ...args.bcc];
  assertValid([
    ...args.to.map((a, i) => checkEmail(a, `to[${i}]`)),
    ...args.cc.map((a, i) => checkEmail(a, `cc[${i}]`)),
    ...args.bcc.map((a, i) => checkEmail(a, `bcc[${i}]`)),
    requireRecipient && args.to.length === 0 ? "to needs at least one recipient." : undefined,
    recipients.length > GMAIL_MAX_RECIPIENTS
      ? `At most ${GMAIL_MAX_RECIPIENTS} recipients in total (to, cc and bcc).`
      : undefined,
    checkHeaderValue(args.subject, "subject"),
    checkMaxLength(args.subject, GMAIL_MAX_SUBJECT, "subject"),
    checkMaxLength(args.body, GMAIL_MAX_BODY, "body"),
  ]);
}

async function threadFor(userId: string, threadId: string | undefined): Promise<string> {
  if (threadId === undefined) return gmailId();
  const db = await getDb();
  const [hit] = await db
    .select({ id: sandboxMailbox.id })
    .from(sandboxMailbox)
    .where(and(eq(sandboxMailbox.userId, userId), eq(sandboxMailbox.threadId, threadId)))
    .limit(1);
  // Another user's thread id is indistinguishable from one that never existed.
  if (!hit) throw new ToolError("not_found", `Thread ${threadId} was not found in this mailbox.`);
  return threadId;
}

export async function sendMessage(session: ProviderSession, user: MailboxUser, args: ComposeArgs) {
  await assertSandboxSession(session, user.userId, "gmail");
  validateCompose(args, true);
  await ensureMailboxSeeded(user.userId, user.name, user.address);
  const threadId = await threadFor(user.userId, args.threadId);
  const id = gmailId();
  const db = await getDb();
  await db.transaction(async (tx) => {
    await tx.insert(sandboxMailbox).values({
      id,
      userId: user.userId,
      threadId,
      labels: ["SENT"],
      from: user.address,
      to: args.to,
      cc: args.cc,
      subject: args.subject,
      body: args.body,
      receivedAt: new Date(),
    });
    await tx.insert(sandboxOutbox).values({
      id,
      userId: user.userId,
      channel: "gmail",
      from: user.address,
      to: [...args.to, ...args.cc, ...args.bcc],
      subject: args.subject,
      body: args.body,
      status: "sent",
      metadata: { threadId, cc: args.cc, bcc: args.bcc },
    });
  });
  return { id, threadId, labelIds: ["SENT"], status: "sent" as const };
}

export async function createDraft(session: ProviderSession, user: MailboxUser, args: ComposeArgs) {
  await assertSandboxSession(session, user.userId, "gmail");
  validateCompose(args, false);
  await ensureMailboxSeeded(user.userId, user.name, user.address);
  const threadId = await threadFor(user.userId, args.threadId);
  const id = gmailId();
  const db = await getDb();
  await db.insert(sandboxMailbox).values({
    id,
    userId: user.userId,
    threadId,
    labels: ["DRAFT"],
    from: user.address,
    to: args.to,
    cc: [...args.cc],
    subject: args.subject,
    body: args.body,
    receivedAt: new Date(),
  });
  return { id: `r${id}`, message: { id, threadId, labelIds: ["DRAFT"] } };
}

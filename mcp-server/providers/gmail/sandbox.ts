import type { Principal } from "@/lib/identity/principal";
import { callProvider } from "../call";
import { mailboxAddress } from "../sandbox/address";
import {
  createDraft,
  listMessages,
  searchMessages,
  sendMessage,
  type MailboxUser,
} from "../sandbox/gmail";
import type { GmailProvider } from "./port";

function mailboxUser(p: Principal): MailboxUser {
  return { userId: p.userId, name: p.name, address: mailboxAddress(p.username, p.userId) };
}

/** The sandbox mailbox (providers/sandbox/gmail.ts) behind the Gmail port, unchanged. */
export const sandboxGmailProvider: GmailProvider = {
  listMessages: (ctx, args) =>
    callProvider(ctx, "gmail", (s) => listMessages(s, mailboxUser(ctx.principal), args)),
  searchMessages: (ctx, args) =>
    callProvider(ctx, "gmail", (s) => searchMessages(s, mailboxUser(ctx.principal), args)),
  sendMessage: (ctx, args) =>
    callProvider(ctx, "gmail", (s) => sendMessage(s, mailboxUser(ctx.principal), args)),
  createDraft: (ctx, args) =>
    callProvider(ctx, "gmail", (s) => createDraft(s, mailboxUser(ctx.principal), args)),
};

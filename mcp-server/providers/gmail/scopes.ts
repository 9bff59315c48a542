/**
 * Google OAuth scopes of the Gmail tools (https://developers.google.com/workspace/gmail/api/auth/scopes).
 * Each tool needs one of its scopes; the connection records what Google actually granted (the
 * user may untick scopes on Google's consent screen).
 */
export const GMAIL_READONLY = "https://www.googleapis.com/auth/gmail.readonly";
export const GMAIL_COMPOSE = "https://www.googleapis.com/auth/gmail.compose";
export const GMAIL_SEND = "https://www.googleapis.com/auth/gmail.send";

/** What the connect asks for: the three, once (see docs/TOOLS.md for why not per tool). */
export const GMAIL_SCOPES = [GMAIL_READONLY, GMAIL_COMPOSE, GMAIL_SEND] as const;

export type GmailOperation = "read" | "draft" | "send";

/**
 * Scopes that allow each operation, as the Gmail API reference lists them for the methods used:
 * messages.list/get → gmail.readonly; drafts.create → gmail.compose; messages.send → gmail.send
 * or gmail.compose (which includes sending).
 */
export const SCOPES_FOR: Record<GmailOperation, readonly string[]> = {
  read: [GMAIL_READONLY],
  draft: [GMAIL_COMPOSE],
  send: [GMAIL_SEND, GMAIL_COMPOSE],
};

export const OPERATION_LABEL: Record<GmailOperation, string> = {
  read: "read your mail",
  draft: "create drafts",
  send: "send mail",
};

export function allows(granted: readonly string[], op: GmailOperation): boolean {
  return SCOPES_FOR[op].some((s) => granted.includes(s));
}

/** The Gmail scopes among those Google reports as granted (`scope` of the token response). */
export function gmailScopesOf(granted: string | undefined): string[] {
  const list = (granted ?? "").split(/\s+/);
  return GMAIL_SCOPES.filter((s) => list.includes(s));
}

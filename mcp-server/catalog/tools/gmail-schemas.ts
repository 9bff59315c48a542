import { z } from "zod";
import {
  GMAIL_MAX_BODY,
  GMAIL_MAX_RECIPIENTS,
  GMAIL_MAX_SUBJECT,
} from "@/mcp-server/providers/sandbox/gmail";

/** Schema pieces shared by the gmail_* tools (each tool still lives in its own file). */
export const emailAddress = z.email().max(254);

export const recipients = (what: string) =>
  z
    .array(emailAddress)
    .max(GMAIL_MAX_RECIPIENTS)
    .describe(`${what} e-mail addresses, e.g. ["ana@example.com"].`);

export const subject = z
  .string()
  .max(GMAIL_MAX_SUBJECT)
  .describe(`Subject line (one line, at most ${GMAIL_MAX_SUBJECT} characters).`);
export const body = z
  .string()
  .max(GMAIL_MAX_BODY)
  .describe(`Plain-text body, at most ${GMAIL_MAX_BODY} characters.`);
export const threadId = z
  .string()
  .regex(/^[0-9a-f]{16}$/)
  .describe(
    "Reply within this thread (a threadId from gmail_list_messages or gmail_search_emails).",
  );

export const maxResults = z
  .int()
  .min(1)
  .max(100)
  .describe("Messages per page (1-100, default 10).");
export const pageToken = z
  .string()
  .max(200)
  .describe("nextPageToken from a previous call, to get the next page.");
export const includeBody = z
  .boolean()
  .describe("Also return each message's full body (default false: snippet only).");

export const messageSummary = z.object({
  id: z.string(),
  threadId: z.string(),
  labelIds: z.array(z.string()),
  from: z.string(),
  to: z.array(z.string()),
  cc: z.array(z.string()),
  subject: z.string(),
  snippet: z.string(),
  date: z.string(),
  unread: z.boolean(),
  hasAttachment: z.boolean(),
  body: z.string().optional(),
});

export const messagePage = z.object({
  messages: z.array(messageSummary),
  nextPageToken: z.string().optional(),
  resultSizeEstimate: z.int(),
});

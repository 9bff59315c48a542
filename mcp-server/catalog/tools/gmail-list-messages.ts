import { z } from "zod";
import { gmailProvider } from "@/mcp-server/providers/gmail/port";
import { annotations, defineTool } from "./define";
import { includeBody, maxResults, messagePage, pageToken } from "./gmail-schemas";

const labels = [
  "INBOX",
  "SENT",
  "DRAFT",
  "UNREAD",
  "STARRED",
  "IMPORTANT",
  "CATEGORY_PROMOTIONS",
] as const;

export const gmailListMessages = defineTool({
  name: "gmail_list_messages",
  title: "List e-mails (Gmail)",
  description:
    "List the user's Gmail messages, newest first, optionally only those carrying all of the given labels (e.g. INBOX and UNREAD). Returns sender, recipients, subject, date, a snippet and labels; set includeBody for full bodies.",
  risk: "read",
  annotations: annotations.read(false),
  provider: "gmail",
  inputSchema: z.object({
    labelIds: z
      .array(z.enum(labels))
      .max(labels.length)
      .optional()
      .describe("Only messages with all of these labels."),
    maxResults: maxResults.optional(),
    pageToken: pageToken.optional(),
    includeBody: includeBody.optional(),
  }),
  outputSchema: messagePage,
  run: (input, ctx) =>
    gmailProvider().listMessages(ctx, {
      labelIds: input.labelIds ?? [],
      maxResults: input.maxResults ?? 10,
      pageToken: input.pageToken,
      includeBody: input.includeBody ?? false,
    }),
});

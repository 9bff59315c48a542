import { z } from "zod";
import { gmailProvider } from "@/mcp-server/providers/gmail/port";
import { assertValid, checkNotBlank } from "@/mcp-server/providers/validation";
import { annotations, defineTool } from "./define";
import { includeBody, maxResults, messagePage, pageToken } from "./gmail-schemas";

export const gmailSearchEmails = defineTool({
  name: "gmail_search_emails",
  title: "Search e-mails (Gmail)",
  description:
    'Search the user\'s Gmail with Gmail search syntax: words, "exact phrases", from:, to:, cc:, subject:, label:, is:unread/read/starred/important, in:inbox/sent/drafts/anywhere, has:attachment, after:/before:YYYY/MM/DD, newer_than:/older_than: (7d, 2m, 1y), -term to exclude, OR. Newest first.',
  risk: "read",
  annotations: annotations.read(false),
  provider: "gmail",
  inputSchema: z.object({
    query: z
      .string()
      .min(1)
      .max(500)
      .describe('Gmail search query, e.g. "from:priya is:unread test drive".'),
    maxResults: maxResults.optional(),
    pageToken: pageToken.optional(),
    includeBody: includeBody.optional(),
  }),
  outputSchema: messagePage,
  async run(input, ctx) {
    assertValid([checkNotBlank(input.query, "query")]);
    return gmailProvider().searchMessages(ctx, {
      query: input.query,
      maxResults: input.maxResults ?? 10,
      pageToken: input.pageToken,
      includeBody: input.includeBody ?? false,
    });
  },
});

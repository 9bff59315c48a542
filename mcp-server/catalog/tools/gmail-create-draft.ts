import { z } from "zod";
import { gmailProvider } from "@/mcp-server/providers/gmail/port";
import { annotations, defineTool } from "./define";
import { body, recipients, subject, threadId } from "./gmail-schemas";

export const gmailCreateDraft = defineTool({
  name: "gmail_create_draft",
  title: "Create e-mail draft (Gmail)",
  description:
    "Save an e-mail as a draft in the user's Gmail account without sending it, so the user can review and send it later. Recipients may be left empty. Returns the draft id.",
  risk: "write",
  annotations: annotations.additive(false),
  provider: "gmail",
  inputSchema: z.object({
    to: recipients("Recipient").optional(),
    cc: recipients("Cc").optional(),
    subject,
    body,
    threadId: threadId.optional(),
  }),
  outputSchema: z.object({
    id: z.string().describe("Draft id."),
    message: z.object({ id: z.string(), threadId: z.string(), labelIds: z.array(z.string()) }),
  }),
  run: (input, ctx) =>
    gmailProvider().createDraft(ctx, {
      ...input,
      to: input.to ?? [],
      cc: input.cc ?? [],
      bcc: [],
    }),
});

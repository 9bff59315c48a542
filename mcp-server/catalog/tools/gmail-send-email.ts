import { z } from "zod";
import { gmailProvider } from "@/mcp-server/providers/gmail/port";
import { annotations, defineTool } from "./define";
import { body, recipients, subject, threadId } from "./gmail-schemas";

export const gmailSendEmail = defineTool({
  name: "gmail_send_email",
  title: "Send e-mail (Gmail)",
  description:
    "Send an e-mail from the user's Gmail account. Needs at least one 'to' address; cc and bcc are optional. Pass threadId to reply within an existing conversation. Returns the sent message id and thread id.",
  risk: "write",
  annotations: annotations.additive(true),
  provider: "gmail",
  inputSchema: z.object({
    to: recipients("Recipient").min(1),
    cc: recipients("Cc").optional(),
    bcc: recipients("Bcc").optional(),
    subject,
    body,
    threadId: threadId.optional(),
  }),
  outputSchema: z.object({
    id: z.string(),
    threadId: z.string(),
    labelIds: z.array(z.string()),
    status: z.enum(["sent"]),
  }),
  run: (input, ctx) =>
    gmailProvider().sendMessage(ctx, {
      ...input,
      cc: input.cc ?? [],
      bcc: input.bcc ?? [],
    }),
});

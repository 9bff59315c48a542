import { z } from "zod";
import { callProvider } from "@/mcp-server/providers/call";
import { createDraft } from "@/mcp-server/providers/sandbox/gmail";
import { annotations, defineTool } from "./define";
import { body, mailboxUser, recipients, subject, threadId } from "./gmail-schemas";

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
    callProvider(ctx, "gmail", (session) =>
      createDraft(session, mailboxUser(ctx.principal), {
        ...input,
        to: input.to ?? [],
        cc: input.cc ?? [],
        bcc: [],
      }),
    ),
});

import { z } from "zod";
import { graphProvider } from "@/mcp-server/providers/graph/port";
import {
  OUTLOOK_MAX_BODY,
  OUTLOOK_MAX_RECIPIENTS,
  OUTLOOK_MAX_SUBJECT,
} from "@/mcp-server/providers/sandbox/outlook";
import { annotations, defineTool } from "./define";

const addresses = (what: string) =>
  z
    .array(z.email().max(254))
    .max(OUTLOOK_MAX_RECIPIENTS)
    .describe(`${what} e-mail addresses, e.g. ["ana@example.com"].`);

export const outlookSendMail = defineTool({
  name: "outlook_send_mail",
  title: "Send e-mail (Outlook)",
  description:
    "Send an e-mail from the user's Microsoft 365 (Outlook) mailbox; a copy is kept in Sent Items. Needs at least one 'to' address. Returns status 'accepted' and the internet message id.",
  risk: "write",
  annotations: annotations.additive(true),
  provider: "graph",
  inputSchema: z.object({
    to: addresses("Recipient").min(1),
    cc: addresses("Cc").optional(),
    bcc: addresses("Bcc").optional(),
    subject: z
      .string()
      .max(OUTLOOK_MAX_SUBJECT)
      .describe(`Subject line (one line, at most ${OUTLOOK_MAX_SUBJECT} characters).`),
    body: z
      .string()
      .max(OUTLOOK_MAX_BODY)
      .describe(`Message body, at most ${OUTLOOK_MAX_BODY} characters.`),
    bodyType: z.enum(["text", "html"]).optional().describe("Body format (default text)."),
    importance: z
      .enum(["low", "normal", "high"])
      .optional()
      .describe("Importance flag (default normal)."),
  }),
  outputSchema: z.object({
    status: z.enum(["accepted"]),
    internetMessageId: z.string(),
    sentDateTime: z.string(),
  }),
  run: (input, ctx) =>
    graphProvider().sendMail(ctx, {
      to: input.to,
      cc: input.cc ?? [],
      bcc: input.bcc ?? [],
      subject: input.subject,
      body: input.body,
      bodyType: input.bodyType ?? "text",
      importance: input.importance ?? "normal",
    }),
});

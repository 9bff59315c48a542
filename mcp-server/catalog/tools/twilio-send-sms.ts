import { z } from "zod";
import { TWILIO_MAX_BODY, twilioProvider } from "@/mcp-server/providers/twilio/port";
import { TWILIO_MESSAGE_STATUSES } from "@/mcp-server/providers/twilio/types";
import { E164_PATTERN } from "@/mcp-server/providers/validation";
import { annotations, defineTool } from "./define";

export const twilioMessageOutput = z.object({
  sid: z.string().describe("Twilio message SID (SM…)."),
  status: z
    .enum(TWILIO_MESSAGE_STATUSES)
    .describe("Twilio's message status right after sending (normally 'queued')."),
  channel: z.enum(["sms", "whatsapp"]),
  to: z.string(),
  from: z.string(),
  numSegments: z.int().describe("Billed segments (GSM-7: 160/153 chars, UCS-2: 70/67)."),
  encoding: z.enum(["GSM-7", "UCS-2"]),
  dateCreated: z.string(),
});

export const twilioSendSms = defineTool({
  name: "twilio_send_sms",
  title: "Send SMS",
  description:
    "Send a text message (SMS) through Twilio from the user's Twilio number. The recipient must be an E.164 number (+ and country code, e.g. +447700900123). Returns the message SID and its status (normally 'queued').",
  risk: "write",
  annotations: annotations.additive(true),
  provider: "twilio",
  inputSchema: z.object({
    to: z
      .string()
      .regex(E164_PATTERN)
      .describe("Recipient phone number in E.164 format, e.g. +14155550123."),
    body: z
      .string()
      .min(1)
      .max(TWILIO_MAX_BODY)
      .describe(`Message text, at most ${TWILIO_MAX_BODY} characters.`),
    from: z
      .string()
      .regex(E164_PATTERN)
      .optional()
      .describe(
        "Sender: one of the account's numbers in E.164 format; defaults to the account's main number.",
      ),
  }),
  outputSchema: twilioMessageOutput,
  run: (input, ctx) => twilioProvider().send(ctx, { channel: "sms", ...input }),
});

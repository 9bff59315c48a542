import { z } from "zod";
import { TWILIO_MAX_BODY, twilioProvider } from "@/mcp-server/providers/twilio/port";
import { E164_PATTERN } from "@/mcp-server/providers/validation";
import { annotations, defineTool } from "./define";
import { twilioMessageOutput } from "./twilio-send-sms";

export const twilioSendWhatsapp = defineTool({
  name: "twilio_send_whatsapp",
  title: "Send WhatsApp message",
  description:
    "Send a WhatsApp message through Twilio. The recipient must be an E.164 number (+ and country code) with WhatsApp; the 'whatsapp:' prefix is added for you. Returns the message SID and its status (normally 'queued').",
  risk: "write",
  annotations: annotations.additive(true),
  provider: "twilio",
  inputSchema: z.object({
    to: z
      .string()
      .regex(E164_PATTERN)
      .describe(
        "Recipient phone number in E.164 format, e.g. +447700900123 (no 'whatsapp:' prefix).",
      ),
    body: z
      .string()
      .min(1)
      .max(TWILIO_MAX_BODY)
      .describe(`Message text, at most ${TWILIO_MAX_BODY} characters.`),
  }),
  outputSchema: twilioMessageOutput,
  run: (input, ctx) => twilioProvider().send(ctx, { channel: "whatsapp", ...input }),
});

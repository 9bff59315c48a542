import { ToolError } from "@/mcp-server/catalog/types";
import type { TwilioLiveConfig } from "./client";
import type { TwilioSendArgs } from "./types";

/**
 * Which of the app's Twilio senders a message goes from.
 *
 * - WhatsApp: TWILIO_WHATSAPP_FROM, the one WhatsApp sender the app has (the tool takes no `from`).
 * - SMS: the caller's `from` when it is one of TWILIO_FROM_NUMBERS (anything else is refused
 *   before Twilio is asked, as the sandbox refuses numbers that are not the account's), else the
 *   first of TWILIO_FROM_NUMBERS.
 *
 * A per-user sender is not chosen here: a connection records only the user's consent (no sender
 * column), so every user sends from the app's numbers.
 */
export function chooseSender(args: TwilioSendArgs, cfg: TwilioLiveConfig): string {
  if (args.channel === "whatsapp") {
    if (!cfg.whatsappFrom)
      throw new ToolError(
        "provider_error",
        "WhatsApp sending is not set up for this app (no WhatsApp sender is configured: TWILIO_WHATSAPP_FROM). An administrator must configure one.",
        { retriable: false, provider: "twilio" },
      );
    return cfg.whatsappFrom;
  }
  if (args.from === undefined) return cfg.fromNumbers[0]!;
  if (cfg.fromNumbers.includes(args.from)) return args.from;
  throw new ToolError(
    "invalid_arguments",
    `from (${args.from}) is not one of this app's Twilio senders; use one of ${cfg.fromNumbers.join(", ")} or omit it.`,
  );
}

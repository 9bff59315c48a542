import type { ToolContext } from "@/mcp-server/catalog/types";

/** Twilio's documented limit: 1600 characters per message body (SMS and WhatsApp). */
export const TWILIO_MAX_BODY = 1600;

/** Every status Twilio documents for a Message resource (a new message is normally `queued`). */
export const TWILIO_MESSAGE_STATUSES = [
  "queued",
  "sending",
  "sent",
  "failed",
  "delivered",
  "undelivered",
  "receiving",
  "received",
  "accepted",
  "scheduled",
  "read",
  "partially_delivered",
  "canceled",
] as const;
export type TwilioMessageStatus = (typeof TWILIO_MESSAGE_STATUSES)[number];

export interface TwilioSendArgs {
  channel: "sms" | "whatsapp";
  /** E.164, without the `whatsapp:` prefix (the provider adds it). */
  to: string;
  body: string;
  /** SMS only: one of the account's senders; the provider's default when absent. */
  from?: string;
}

/** What both tools return, whichever provider sent the message. */
export interface TwilioMessage {
  sid: string;
  status: TwilioMessageStatus;
  channel: "sms" | "whatsapp";
  to: string;
  from: string;
  numSegments: number;
  encoding: "GSM-7" | "UCS-2";
  dateCreated: string;
}

/**
 * The Twilio port: the tools call `send` and cannot tell which provider ran it. Both check the
 * user's Twilio connection first (`auth_required` with a connect link), then the arguments.
 */
export interface TwilioPort {
  send(ctx: ToolContext, args: TwilioSendArgs): Promise<TwilioMessage>;
}

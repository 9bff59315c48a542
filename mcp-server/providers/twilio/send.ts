import type { MessageInstance } from "twilio/lib/rest/api/v2010/account/message";
import { logger } from "@/lib/log";
import { ToolError } from "@/mcp-server/catalog/types";
import { requireConnection } from "@/mcp-server/connections/require";
import { assertValid, checkE164, checkMaxLength, checkNotBlank, smsSegments } from "../validation";
import { liveTwilioConfig, withTwilio, type TwilioAnswer } from "./client";
import { twilioToolError } from "./errors";
import { chooseSender } from "./senders";
import {
  TWILIO_MAX_BODY,
  TWILIO_MESSAGE_STATUSES,
  type TwilioMessage,
  type TwilioMessageStatus,
  type TwilioPort,
} from "./types";

/**
 * The real Twilio behind the port: POST /2010-04-01/Accounts/{AccountSid}/Messages.json with the
 * app's credentials. The user's connection is still required — it is their consent to send in
 * their name — but there is no per-user Twilio session to renew.
 */
export const liveTwilio: TwilioPort = {
  async send(ctx, args) {
    const cfg = liveTwilioConfig();
    // The app's senders are known before the user's connection matters: a sender the app does
    // not have (or no WhatsApp sender at all) is not worth a trip through the connect page.
    const from = chooseSender(args, cfg);
    await requireConnection(ctx.principal, "twilio");
    // The checks Twilio would make, before a paid request is sent (as the sandbox refuses them).
    assertValid([
      checkE164(args.to, "to"),
      checkNotBlank(args.body, "body"),
      checkMaxLength(args.body, TWILIO_MAX_BODY, "body"),
      args.to === from ? "to and from must be different numbers." : undefined,
    ]);
    if (ctx.signal.aborted)
      throw new ToolError("timeout", "The call was cancelled before it reached the provider.", {
        retriable: true,
      });

    const address = (n: string) => (args.channel === "whatsapp" ? `whatsapp:${n}` : n);
    const answer: TwilioAnswer = {};
    let message: MessageInstance;
    try {
      message = await withTwilio(answer, (client) =>
        client.messages.create({
          to: address(args.to),
          from: address(from),
          body: args.body,
          ...(cfg.statusCallbackUrl ? { statusCallback: cfg.statusCallbackUrl } : {}),
        }),
      );
    } catch (err) {
      throw twilioToolError(err, answer);
    }
    return toTwilioMessage(message, args.channel, { to: args.to, from, body: args.body });
  },
};

const unprefixed = (address: string | null | undefined) => address?.replace(/^whatsapp:/, "");

/** Twilio's answer in the tools' output shape; the encoding is counted as the sandbox counts it. */
function toTwilioMessage(
  m: MessageInstance,
  channel: "sms" | "whatsapp",
  sent: { to: string; from: string; body: string },
): TwilioMessage {
  const { encoding, segments } = smsSegments(sent.body);
  const numSegments = Number.parseInt(m.numSegments, 10);
  const created = m.dateCreated instanceof Date ? m.dateCreated : undefined;
  return {
    sid: m.sid,
    status: knownStatus(m.status),
    channel,
    to: unprefixed(m.to) || sent.to,
    from: unprefixed(m.from) || sent.from,
    numSegments: Number.isInteger(numSegments) && numSegments > 0 ? numSegments : segments,
    encoding,
    dateCreated:
      created && !Number.isNaN(created.getTime())
        ? created.toISOString()
        : new Date().toISOString(),
  };
}

/**
 * Twilio created the message, so a status outside the documented list must not turn the send
 * into a failure (the model would send again): it is reported as `accepted` and logged.
 */
function knownStatus(status: string): TwilioMessageStatus {
  if ((TWILIO_MESSAGE_STATUSES as readonly string[]).includes(status))
    return status as TwilioMessageStatus;
  logger().warn({ provider: "twilio", status }, "twilio answered an undocumented message status");
  return "accepted";
}

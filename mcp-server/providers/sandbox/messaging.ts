import { randomBytes } from "node:crypto";
import { getDb } from "@/lib/db/client";
import { sandboxOutbox } from "@/lib/db/schema";
import { ToolError } from "@/mcp-server/catalog/types";
import { callProvider } from "../call";
import { TWILIO_MAX_BODY, type TwilioMessage, type TwilioPort } from "../twilio/types";
import type { ProviderSession } from "../types";
import { assertValid, checkE164, checkMaxLength, checkNotBlank, smsSegments } from "../validation";
import { assertSandboxSession } from "./session-issuer";

export { TWILIO_MAX_BODY };
/** The sandbox account's numbers (valid, routable-looking; nothing is ever delivered). */
export const SANDBOX_SMS_FROM = "+14155238886";
export const SANDBOX_WHATSAPP_FROM = "+14155238886";
export const SANDBOX_ACCOUNT_NUMBERS: readonly string[] = [SANDBOX_SMS_FROM, "+447480123456"];

/** Twilio message SIDs: "SM" + 32 hex characters. */
function messageSid(): string {
  return `SM${randomBytes(16).toString("hex")}`;
}

export async function sendTwilioMessage(
  session: ProviderSession,
  userId: string,
  args: { channel: "sms" | "whatsapp"; to: string; body: string; from?: string },
): Promise<TwilioMessage> {
  await assertSandboxSession(session, userId, "twilio");
  const from = args.from ?? (args.channel === "sms" ? SANDBOX_SMS_FROM : SANDBOX_WHATSAPP_FROM);
  assertValid([
    checkE164(args.to, "to"),
    args.from !== undefined ? checkE164(args.from, "from") : undefined,
    checkNotBlank(args.body, "body"),
    checkMaxLength(args.body, TWILIO_MAX_BODY, "body"),
  ]);
  // Twilio error 21606: the sender must be a number of this account.
  if (!SANDBOX_ACCOUNT_NUMBERS.includes(from)) {
    throw new ToolError(
      "invalid_arguments",
      `from (${from}) is not a number of this Twilio account; use one of ${SANDBOX_ACCOUNT_NUMBERS.join(", ")} or omit it.`,
    );
  }
  // Twilio error 21266: 'To' and 'From' number cannot be the same.
  if (args.to === from)
    throw new ToolError("invalid_arguments", "to and from must be different numbers.");

  const { encoding, segments } = smsSegments(args.body);
  const sid = messageSid();
  const prefix = args.channel === "whatsapp" ? "whatsapp:" : "";
  const db = await getDb();
  const [row] = await db
    .insert(sandboxOutbox)
    .values({
      id: sid,
      userId,
      channel: args.channel,
      from: `${prefix}${from}`,
      to: [`${prefix}${args.to}`],
      body: args.body,
      status: "queued",
      metadata: { numSegments: segments, encoding },
    })
    .returning();
  return {
    sid,
    status: "queued",
    channel: args.channel,
    to: args.to,
    from,
    numSegments: segments,
    encoding,
    dateCreated: row!.createdAt.toISOString(),
  };
}

/** The sandbox behind the Twilio port: the user's connection and session, then the outbox. */
export const sandboxTwilio: TwilioPort = {
  send: (ctx, args) =>
    callProvider(ctx, "twilio", (session) =>
      sendTwilioMessage(session, ctx.principal.userId, args),
    ),
};

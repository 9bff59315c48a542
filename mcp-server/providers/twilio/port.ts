import { getConfig } from "@/lib/config";
import { sandboxTwilio } from "../sandbox/messaging";
import { liveTwilio } from "./send";
import type { TwilioPort } from "./types";

export { TWILIO_MAX_BODY, type TwilioMessage, type TwilioPort, type TwilioSendArgs } from "./types";

/** The sandbox unless TWILIO_PROVIDER=live. */
export function twilioProvider(): TwilioPort {
  return getConfig().providers.twilio.mode === "live" ? liveTwilio : sandboxTwilio;
}

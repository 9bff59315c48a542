import { ToolError } from "@/mcp-server/catalog/types";
import { retryAfterSeconds } from "../retry-after";
import type { TwilioAnswer } from "./client";

/** Twilio's documented error body: `{ code, message, more_info, status }` (the SDK's RestException). */
interface TwilioErrorBody {
  status?: number;
  code?: number;
  message?: string;
  moreInfo?: string;
}

const provider = "twilio";

function asErrorBody(err: unknown): TwilioErrorBody | undefined {
  if (!(err instanceof Error) || typeof (err as { status?: unknown }).status !== "number")
    return undefined;
  const e = err as Error & { status: number; code?: unknown; moreInfo?: unknown };
  return {
    status: e.status,
    code: typeof e.code === "number" ? e.code : undefined,
    message: e.message,
    moreInfo: typeof e.moreInfo === "string" ? e.moreInfo : undefined,
  };
}

/** "(Twilio error 21211, https://www.twilio.com/docs/errors/21211)" — what an operator looks up. */
function reference(body: TwilioErrorBody): string {
  if (body.code === undefined) return `(HTTP ${body.status})`;
  return body.moreInfo
    ? `(Twilio error ${body.code}, ${body.moreInfo})`
    : `(Twilio error ${body.code})`;
}

/** Socket errors that prove the request never left this machine, so nothing can have been sent. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]);

/**
 * Maps what the SDK threw onto our error codes. Twilio's credentials are the app's own (not the
 * user's), so 401/403 mean the app is misconfigured: not retriable, and not a session to renew.
 * Messages are ours — Twilio's text echoes numbers — and never carry credentials or the body.
 */
export function twilioToolError(err: unknown, answer: TwilioAnswer): ToolError {
  const body = asErrorBody(err);
  if (!body) return transportError(err);
  const ref = reference(body);
  switch (body.code) {
    case 21211:
      return new ToolError(
        "invalid_arguments",
        `Twilio says the recipient (to) is not a valid phone number ${ref}. Check the number and its country code.`,
      );
    case 21606:
      return new ToolError(
        "invalid_arguments",
        `The sender number cannot send this kind of message to this recipient ${ref}. Try another sender (from) or recipient.`,
      );
    case 21266:
      return new ToolError("invalid_arguments", `to and from must be different numbers ${ref}.`);
    // The account may not send to that country: only an administrator can change that (Geo
    // permissions), so retrying or rephrasing cannot help — `forbidden`, not a bad argument.
    case 21408:
      return new ToolError(
        "forbidden",
        `This Twilio account is not permitted to send messages to that country ${ref}. An administrator can enable it in the Twilio Console under Messaging → Settings → Geo permissions.`,
      );
    // The recipient replied STOP: sending is refused until they reply START — their choice.
    case 21610:
      return new ToolError(
        "forbidden",
        `The recipient has unsubscribed from this sender (they replied STOP) ${ref}. They must reply START before they can be messaged again.`,
      );
  }
  const status = body.status ?? answer.status ?? 0;
  if (status === 429 || body.code === 20429) {
    const after = retryAfterSeconds(answer.headers?.["retry-after"]);
    return new ToolError("rate_limited", `Twilio is limiting requests ${ref}; try again later.`, {
      retriable: true,
      provider,
      ...(after !== undefined ? { retryAfterSeconds: after } : {}),
    });
  }
  if (status === 401 || status === 403 || body.code === 20003)
    return new ToolError(
      "provider_error",
      `Twilio rejected this app's credentials ${ref}: TWILIO_ACCOUNT_SID and the API key (or Auth Token) are wrong, revoked or lack permission. An administrator must fix the app's Twilio configuration.`,
      { retriable: false, provider },
    );
  if (status === 404)
    return new ToolError(
      "provider_error",
      `Twilio does not know this app's account ${ref}; an administrator must check TWILIO_ACCOUNT_SID.`,
      { retriable: false, provider },
    );
  if (status >= 500)
    return new ToolError(
      "provider_error",
      `Twilio could not take the message right now ${ref}; try again shortly.`,
      { retriable: true, provider },
    );
  // Any other documented 4xx (e.g. 21614 not a mobile number, 21612 unroutable): Twilio's own
  // sentence says what is wrong with the request, and names only what the caller gave.
  return new ToolError("invalid_arguments", `Twilio refused the message ${ref}: ${body.message}`);
}

/** No HTTP answer: the SDK's transport failed (timeout, reset, DNS, refused). */
function transportError(err: unknown): ToolError {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === "string" && NOT_SENT.has(code))
    return new ToolError(
      "provider_error",
      `Twilio could not be reached (${code}); nothing was sent. Try again shortly.`,
      { retriable: true, provider },
    );
  // The request may have reached Twilio before the connection broke: a repeat could send twice.
  return new ToolError(
    "provider_error",
    "The connection to Twilio failed before it answered; the message may or may not have been sent. Check before trying again.",
    { retriable: false, provider },
  );
}

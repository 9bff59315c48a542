import { parsePhoneNumberFromString } from "libphonenumber-js";
import { ToolError } from "@/mcp-server/catalog/types";

/**
 * Pure checks the sandbox applies the way the real services do, so an argument that the real
 * Twilio/Gmail/Graph would refuse is refused here too (as `invalid_arguments`).
 */

export const E164_PATTERN = /^\+[1-9]\d{1,14}$/;

/** Twilio wants E.164 (`+` country code, up to 15 digits) and refuses numbers no carrier could route. */
export function checkE164(value: string, field: string): string | undefined {
  if (!E164_PATTERN.test(value))
    return `${field} must be an E.164 phone number such as +14155550123.`;
  const parsed = parsePhoneNumberFromString(value);
  if (!parsed || !parsed.isValid()) return `${field} (${value}) is not a valid phone number.`;
  return undefined;
}

// Practical RFC 5321 address: local part ≤ 64, domain with a dot and a 2+ letter TLD, total ≤ 254.
const EMAIL_PATTERN =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,63}$/;

export function checkEmail(value: string, field: string): string | undefined {
  const at = value.lastIndexOf("@");
  const local = value.slice(0, at);
  if (
    value.length > 254 ||
    at < 1 ||
    local.length > 64 ||
    !EMAIL_PATTERN.test(value) ||
    local.startsWith(".") ||
    local.endsWith(".") ||
    local.includes("..")
  ) {
    return `${field} (${value}) is not a valid e-mail address.`;
  }
  return undefined;
}

/** Header values must not carry CR/LF (header injection) — Gmail refuses such raw messages. */
export function checkHeaderValue(value: string, field: string): string | undefined {
  return /[\r\n]/.test(value) ? `${field} must be a single line.` : undefined;
}

export function checkMaxLength(value: string, max: number, field: string): string | undefined {
  return value.length > max
    ? `${field} is ${value.length} characters; the limit is ${max}.`
    : undefined;
}

export function checkNotBlank(value: string, field: string): string | undefined {
  return value.trim() === "" ? `${field} must not be empty.` : undefined;
}

/** Throws one invalid_arguments error naming every problem found. */
export function assertValid(problems: (string | undefined)[]): void {
  const found = problems.filter((p): p is string => p !== undefined);
  if (found.length > 0) throw new ToolError("invalid_arguments", found.join(" "));
}

/**
 * SMS segments as carriers count them: GSM-7 fits 160 chars (153 per part when concatenated),
 * anything outside GSM-7 forces UCS-2 with 70 (67) — Twilio bills per segment.
 */
const GSM7 = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
);
const GSM7_EXTENDED = new Set("^{}\\[~]|€\f");

export function smsSegments(body: string): { encoding: "GSM-7" | "UCS-2"; segments: number } {
  let units = 0;
  let gsm = true;
  for (const ch of body) {
    if (GSM7.has(ch)) units += 1;
    else if (GSM7_EXTENDED.has(ch)) units += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) return { encoding: "GSM-7", segments: units <= 160 ? 1 : Math.ceil(units / 153) };
  // UCS-2 counts UTF-16 code units (an emoji takes two).
  const len = body.length;
  return { encoding: "UCS-2", segments: len <= 70 ? 1 : Math.ceil(len / 67) };
}

import pino from "pino";
import { getConfig } from "@/lib/config";

/** JSON logs; tokens, keys, cookies and consent links never reach them. */
export const redactPaths = [
  "token",
  "accessToken",
  "authorization",
  "headers.authorization",
  "req.headers.authorization",
  "req.headers.cookie",
  "apiKey",
  "key",
  "secret",
  "link",
  "consentLink",
  "consent_link",
  "*.token",
  "*.accessToken",
  "*.authorization",
  "*.apiKey",
  "*.secret",
  "*.link",
  "*.consentLink",
  "*.consent_link",
  // Consent links inside logged events or upstream items/errors (`{ data: { link } }`, `{ item: { consent_link } }`).
  "*.*.link",
  "*.*.consentLink",
  "*.*.consent_link",
];

const KEY = Symbol.for("foundry-agent-chat.logger");
type Holder = { [KEY]?: pino.Logger };

export function logger(): pino.Logger {
  const g = globalThis as Holder;
  g[KEY] ??= pino({
    level: getConfig().logLevel,
    redact: { paths: redactPaths, censor: "[redacted]" },
    base: { service: "foundry-agent-chat" },
  });
  return g[KEY];
}

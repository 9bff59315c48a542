import { isSpanContextValid, trace } from "@opentelemetry/api";
import pino from "pino";
import { getConfig } from "@/lib/config";

/** JSON logs; tokens, keys, cookies, consent links and SQL parameters never reach them. */
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
  // Sign-in names are e-mail addresses; a log line identifies people by their opaque user id.
  "username",
  "email",
  "preferred_username",
  "*.username",
  "*.email",
  "*.preferred_username",
  // Consent links inside logged events or upstream items/errors (`{ data: { link } }`, `{ item: { consent_link } }`).
  "*.*.link",
  "*.*.consentLink",
  "*.*.consent_link",
];

/**
 * Properties of errors that carry data rather than describe the failure: SQL parameters (drizzle,
 * pg and PGlite errors keep them in `params`), the failing row or key (`detail`), the statement
 * context, and HTTP requests, responses and headers (which may hold tokens), and the request
 * `config` HTTP clients keep on their errors (gaxios, axios: headers with the bearer token, the
 * form body with client secrets). Dropped wherever they appear in an error or its `cause` chain.
 */
const DATA_FIELDS = [
  "config",
  "params",
  "parameters",
  "detail",
  "where",
  "internalQuery",
  "queryOptions",
  "request",
  "response",
  "headers",
  "body",
  // axios errors (the Twilio and Tavily SDKs) carry the request config: its headers hold the
  // Authorization header and its data the form or JSON that was sent.
  "config",
];
const MAX_CAUSE_DEPTH = 8;
/** Drizzle's "Failed query: <sql>\nparams: <values>": everything from `params:` on is data. */
const PARAMS_IN_MESSAGE = /\nparams: [\s\S]*$/;
/** PostgreSQL quotes the offending value in these: `invalid input syntax for type uuid: "…"`. */
const VALUE_IN_MESSAGE = /^(invalid input [^:]*: )"[\s\S]*"$/;

/**
 * pino's `errWithCause`, minus what could be personal or secret: messages lose the parameters
 * and values the database echoed, stacks are rebuilt from the cleaned message and their frames,
 * and data-carrying properties are dropped, through the whole cause chain.
 */
export function serializeError(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  return clean(pino.stdSerializers.errWithCause(value) as Record<string, unknown>, 0);
}

function clean(err: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { ...err };
  for (const field of DATA_FIELDS) delete out[field];
  if (typeof err.message === "string") {
    const message = err.message.replace(PARAMS_IN_MESSAGE, "").replace(VALUE_IN_MESSAGE, '$1"…"');
    out.message = message;
    if (message !== err.message && typeof err.stack === "string")
      out.stack = [`${String(err.type ?? "Error")}: ${message}`, ...trailingFrames(err.stack)].join(
        "\n",
      );
  }
  const cause = err.cause;
  if (cause && typeof cause === "object")
    out.cause =
      depth < MAX_CAUSE_DEPTH ? clean(cause as Record<string, unknown>, depth + 1) : undefined;
  return out;
}

/** The `    at …` lines at the end of a stack (what precedes them repeats the message). */
function trailingFrames(stack: string): string[] {
  const lines = stack.split("\n");
  let first = lines.length;
  while (first > 0 && /^\s+at /.test(lines[first - 1]!)) first -= 1;
  return lines.slice(first);
}

/** The options every logger of the app uses (also what tests build a capturing logger from). */
export function loggerOptions(
  level: pino.LevelWithSilent = getConfig().logLevel,
): pino.LoggerOptions {
  return {
    level,
    redact: { paths: redactPaths, censor: "[redacted]" },
    base: { service: "foundry-agent-chat" },
    serializers: { err: serializeError, error: serializeError, cause: serializeError },
    // With tracing on, a line written inside a span names it (log and trace join up).
    mixin: () => {
      const span = trace.getActiveSpan()?.spanContext();
      return span && isSpanContextValid(span) ? { traceId: span.traceId, spanId: span.spanId } : {};
    },
  };
}

const KEY = Symbol.for("foundry-agent-chat.logger");
type Holder = { [KEY]?: pino.Logger };

export function logger(): pino.Logger {
  const g = globalThis as Holder;
  g[KEY] ??= pino(loggerOptions());
  return g[KEY];
}

import { ToolError } from "@/mcp-server/catalog/types";
import { ProviderAuthError } from "../types";

/**
 * What a failed Google call says, read from the SDK's error (gaxios: `response.status`,
 * `response.data`, `response.headers`) without keeping the error itself: it carries the request's
 * headers and body (bearer token, client secret, the message), so it is never logged or attached.
 */
export interface GoogleFailure {
  status?: number;
  /** Gmail: `error.errors[0].reason` / `error.status`; token endpoint: `error` (e.g. invalid_grant). */
  reason?: string;
  /** Google's message (no request data), at most 200 characters. */
  message?: string;
  retryAfterSeconds?: number;
  /** A network-level code (ECONNRESET, ETIMEDOUT, AbortError …) when there was no response. */
  code?: string;
}

type Dict = Record<string, unknown>;
const dict = (v: unknown): Dict | undefined =>
  v && typeof v === "object" ? (v as Dict) : undefined;
const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

export function describeFailure(err: unknown, now = Date.now()): GoogleFailure {
  const e = dict(err) ?? {};
  const response = dict(e.response);
  const status = typeof response?.status === "number" ? response.status : undefined;
  const data = dict(response?.data);
  const error = data?.error;
  const errorObj = dict(error);
  const first = dict(Array.isArray(errorObj?.errors) ? errorObj.errors[0] : undefined);
  const info = dict(Array.isArray(errorObj?.details) ? errorObj.details[0] : undefined);
  const reason = str(first?.reason) ?? str(info?.reason) ?? str(errorObj?.status) ?? str(error);
  const message = str(errorObj?.message) ?? str(data?.error_description);
  const retryAfterSeconds =
    retryAfter(headerOf(response?.headers, "retry-after"), now) ??
    retryAfterInMessage(message, now);
  return {
    ...(status !== undefined ? { status } : {}),
    ...(reason ? { reason } : {}),
    ...(message ? { message: message.slice(0, 200) } : {}),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    ...(status === undefined && (str(e.code) ?? str(e.name))
      ? { code: str(e.code) ?? str(e.name) }
      : {}),
  };
}

function headerOf(headers: unknown, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === "function")
    return (headers as Headers).get(name) ?? undefined;
  const h = headers as Dict;
  return str(h[name]) ?? str(h[name.toLowerCase()]);
}

/** Retry-After: delta-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function retryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Math.max(1, Number(value.trim()));
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(1, Math.ceil((at - now) / 1000));
}

/** Gmail's per-user limit says when in its message: "User-rate limit exceeded.  Retry after 2024-…Z". */
function retryAfterInMessage(message: string | undefined, now: number): number | undefined {
  const m = message && /Retry after (\d{4}-\d{2}-\d{2}T[\d:.]+Z)/.exec(message);
  if (!m) return undefined;
  const at = Date.parse(m[1]!);
  return Number.isNaN(at) ? undefined : Math.max(1, Math.ceil((at - now) / 1000));
}

const RATE_REASONS = new Set([
  "rateLimitExceeded",
  "userRateLimitExceeded",
  "quotaExceeded",
  "dailyLimitExceeded",
  "RESOURCE_EXHAUSTED",
  "RATE_LIMIT_EXCEEDED",
]);
const SCOPE_REASONS = new Set([
  "insufficientPermissions",
  "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
  "PERMISSION_DENIED_SCOPE",
]);

/**
 * Maps a failed Gmail API call (documented at developers.google.com/workspace/gmail/api/guides/
 * handle-errors) onto our errors. `reconsent` builds the auth_required answer (with a connect link)
 * for a token that lacks the scope.
 */
export async function gmailError(
  err: unknown,
  reconsent: () => Promise<ToolError>,
): Promise<Error> {
  if (err instanceof ToolError || err instanceof ProviderAuthError) return err;
  const f = describeFailure(err);
  const detail = f.message ? `: ${f.message}` : "";
  switch (f.status) {
    case undefined:
      return new ToolError(
        "provider_error",
        `Gmail could not be reached${f.code ? ` (${f.code})` : ""}.`,
        {
          retriable: true,
          provider: "gmail",
        },
      );
    case 400:
      return new ToolError("invalid_arguments", `Gmail refused the request${detail}`);
    case 401:
      // The access token expired or was revoked: renew it and retry once (withProviderSession).
      return new ProviderAuthError(401, "Gmail refused the access token.");
    case 403:
      if (f.reason && SCOPE_REASONS.has(f.reason)) return reconsent();
      if (f.reason && RATE_REASONS.has(f.reason)) return rateLimited(f);
      return new ToolError("forbidden", `Gmail refused the request${detail}`, {
        provider: "gmail",
      });
    case 404:
      return new ToolError("not_found", "Gmail found no such message, draft or thread.");
    case 429:
      return rateLimited(f);
    default:
      return new ToolError("provider_error", `Gmail answered HTTP ${f.status}${detail}`, {
        retriable: f.status >= 500,
        provider: "gmail",
      });
  }
}

/** Without a hint from Google: a second for the per-second limits, an hour for a daily quota. */
function rateLimited(f: GoogleFailure): ToolError {
  const daily = f.reason === "dailyLimitExceeded" || f.reason === "quotaExceeded";
  return new ToolError(
    "rate_limited",
    daily ? "The Gmail API quota is used up for now." : "Gmail's rate limit was reached.",
    {
      retriable: true,
      provider: "gmail",
      retryAfterSeconds: f.retryAfterSeconds ?? (daily ? 3600 : 1),
    },
  );
}

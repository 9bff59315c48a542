import { retryAfterMs } from "@/lib/chat/client/backoff";
import { logger } from "@/lib/log";
import { ToolError } from "@/mcp-server/catalog/types";
import { ProviderAuthError } from "@/mcp-server/providers/types";

/**
 * Composio's documented error object (docs.composio.dev/reference/errors):
 * `{ error: { message, status, code?, slug?, request_id, suggested_fix?, errors? } }`.
 */
export interface ComposioErrorBody {
  message?: string;
  status?: number;
  code?: number;
  slug?: string;
  request_id?: string;
  errors?: unknown[];
}

/** What the SDK's HTTP client (Stainless `APIError`) carries; read structurally. */
interface HttpFailure {
  status: number | undefined;
  body: ComposioErrorBody;
  headers: Headers | undefined;
}

function httpFailure(err: unknown): HttpFailure | undefined {
  if (!(err instanceof Error) || !("status" in err) || !("headers" in err)) return undefined;
  const e = err as Error & { status?: unknown; error?: unknown; headers?: unknown };
  const raw = (e.error ?? {}) as { error?: unknown };
  const body = (raw.error && typeof raw.error === "object" ? raw.error : raw) as ComposioErrorBody;
  return {
    status: typeof e.status === "number" ? e.status : undefined,
    body: body && typeof body === "object" ? body : {},
    headers: e.headers instanceof Headers ? e.headers : undefined,
  };
}

/** The SDK (or fetch) gave up because our signal aborted. */
function isCancellation(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (
    err.name === "ComposioRequestCancelledError" ||
    err.name === "AbortError" ||
    /aborted/i.test(err.message) ||
    err.constructor?.name === "APIUserAbortError"
  );
}

/** "No connected account for this user and toolkit": error 1803, `ToolRouterV2_NoActiveConnection`, … */
const NOT_CONNECTED =
  /no (?:active )?connect(?:ed account|ion)|not connected|NoActiveConnection|ConnectedAccount_?NotFound/i;

export function isNotConnectedText(text: string | null | undefined): boolean {
  return !!text && NOT_CONNECTED.test(text);
}

/** The user has no (active) connected account for the tool's toolkit. */
export function isNotConnected(err: unknown): boolean {
  const f = httpFailure(err);
  if (!f?.status || f.status >= 500 || f.status === 429) return false;
  return (
    f.body.code === 1803 || isNotConnectedText(f.body.slug) || isNotConnectedText(f.body.message)
  );
}

/** A short, secret-free account of Composio's answer for messages (its own words, capped). */
function said(f: HttpFailure): string {
  const message = typeof f.body.message === "string" ? f.body.message : "";
  const details = Array.isArray(f.body.errors)
    ? f.body.errors.filter((x): x is string => typeof x === "string")
    : [];
  return [message, ...details].filter(Boolean).join("; ").slice(0, 400) || `HTTP ${f.status}`;
}

/**
 * Maps whatever a Composio call threw onto our errors. `session: true` for calls made on an
 * existing Tool Router session, where 401 and 404 mean the session is gone (Composio answers 404
 * for a deleted or unknown session): those become ProviderAuthError, so withProviderSession makes
 * a new session and retries once. Creating a session maps them to plain failures instead.
 */
export function composioFailure(err: unknown, opts: { session: boolean }): Error {
  if (err instanceof ToolError || err instanceof ProviderAuthError) return err;
  if (isCancellation(err))
    return new ToolError("timeout", "The Composio call was cancelled.", { retriable: true });
  const f = httpFailure(err);
  if (!f) {
    logger().warn({ err }, "composio call failed");
    return new ToolError("provider_error", "The Composio call failed.", {
      retriable: false,
      provider: "composio",
    });
  }
  logger().warn(
    { status: f.status, slug: f.body.slug, code: f.body.code, requestId: f.body.request_id },
    "composio answered with an error",
  );
  const status = f.status;
  if (status === undefined)
    return new ToolError("provider_error", "Composio could not be reached.", {
      retriable: true,
      provider: "composio",
    });
  if (status === 429) {
    const waitMs = retryAfterMs(f.headers?.get("retry-after") ?? null);
    return new ToolError("rate_limited", "Composio is rate limiting these calls; try later.", {
      retriable: true,
      provider: "composio",
      ...(waitMs !== undefined ? { retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) } : {}),
    });
  }
  if (status >= 500)
    return new ToolError("provider_error", `Composio failed (HTTP ${status}).`, {
      retriable: true,
      provider: "composio",
    });
  const toolUnknown =
    status === 404 &&
    /tool/i.test(`${f.body.slug} ${f.body.message}`) &&
    !/session/i.test(`${f.body.slug} ${f.body.message}`);
  if (opts.session && !toolUnknown && (status === 401 || status === 404))
    return new ProviderAuthError(status, `Composio rejected the session (HTTP ${status}).`);
  switch (status) {
    case 400:
    case 422:
      return new ToolError("invalid_arguments", `Composio refused the call: ${said(f)}`);
    case 401:
      return new ToolError(
        "provider_error",
        "Composio refused our API key (HTTP 401); check COMPOSIO_API_KEY.",
        { retriable: false, provider: "composio" },
      );
    case 403:
      return new ToolError("forbidden", `Composio does not allow this: ${said(f)}`, {
        provider: "composio",
      });
    case 404:
      return new ToolError("provider_error", `Composio does not know this: ${said(f)}`, {
        retriable: false,
        provider: "composio",
      });
    case 409:
      return new ToolError("conflict", `Composio reports a conflict: ${said(f)}`, {
        provider: "composio",
      });
    default:
      return new ToolError("provider_error", `Composio refused the call (HTTP ${status}).`, {
        retriable: false,
        provider: "composio",
      });
  }
}

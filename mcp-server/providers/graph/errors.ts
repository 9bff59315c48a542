import { GraphError } from "@microsoft/microsoft-graph-client";
import { ToolError } from "@/mcp-server/catalog/types";
import { retryAfterSeconds, type ThrottleState } from "./throttling";

/** What a failed request was about, for messages the model can act on. */
export interface FailureWording {
  /** For 404, e.g. "Task X was not found." */
  notFound?: string;
  /** For 409/412, e.g. "Task X was changed by someone else since it was read …". */
  conflict?: string;
}

/** Graph's `error.code: error.message`, kept short (it reaches the model, never the logs). */
function graphDetail(err: GraphError): string {
  const code = err.code ? `${err.code}: ` : "";
  const text = `${code}${err.message ?? ""}`.trim();
  return text.length > 300 ? `${text.slice(0, 297)}…` : text;
}

const isAbort = (err: GraphError) => err.code === "AbortError" || err.code === "TimeoutError";

/**
 * Maps a failed Graph request (already retried by the SDK where allowed) onto our error codes:
 * 400/413/422 → invalid_arguments (Graph's code and message); 403 → forbidden; 404 → not_found;
 * 409/412 → conflict; 429, and 503 with Retry-After → rate_limited + retryAfterSeconds;
 * 5xx and network failures → provider_error (retriable); other answers → provider_error.
 * 401 never gets here: the caller renews the token and retries once.
 */
export function graphFailure(
  err: unknown,
  wording: FailureWording = {},
  throttle: ThrottleState = {},
): ToolError {
  if (err instanceof ToolError) return err;
  if (!(err instanceof GraphError)) {
    return new ToolError("provider_error", "Microsoft Graph could not be reached.", {
      retriable: true,
      provider: "graph",
    });
  }
  const status = err.statusCode;
  if (status <= 0) {
    return isAbort(err)
      ? new ToolError("timeout", "The Microsoft Graph call was cancelled.", { retriable: true })
      : new ToolError("provider_error", "Microsoft Graph could not be reached.", {
          retriable: true,
          provider: "graph",
        });
  }
  const after =
    retryAfterSeconds(err.headers?.get("Retry-After")) ?? throttle.lastRetryAfterSeconds;
  if (status === 429 || (status === 503 && after !== undefined)) {
    return new ToolError(
      "rate_limited",
      `Microsoft Graph is throttling these requests; try again${after !== undefined ? ` in ${Math.max(1, after)} s` : " shortly"}.`,
      {
        retriable: true,
        provider: "graph",
        ...(after !== undefined ? { retryAfterSeconds: Math.max(1, after) } : {}),
      },
    );
  }
  switch (status) {
    case 400:
    case 413:
    case 422:
      return new ToolError(
        "invalid_arguments",
        `Microsoft Graph refused the request (${graphDetail(err)}).`,
      );
    case 403:
      return new ToolError(
        "forbidden",
        `Microsoft Graph does not allow this for your account (${graphDetail(err)}).`,
        { provider: "graph" },
      );
    case 404:
      return new ToolError("not_found", wording.notFound ?? "Microsoft Graph found no such item.");
    case 409:
    case 412:
      return new ToolError(
        "conflict",
        wording.conflict ??
          "Someone changed this item since it was read (Microsoft Graph refused the change); get it again and retry.",
      );
  }
  return new ToolError(
    "provider_error",
    `Microsoft Graph failed (HTTP ${status}${err.code ? `, ${err.code}` : ""}).`,
    { retriable: status >= 500, provider: "graph" },
  );
}

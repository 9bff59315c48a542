import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { printableText } from "@/lib/http/text";
import { ToolError } from "@/mcp-server/catalog/types";
import { retryAfterSeconds } from "@/mcp-server/providers/retry-after";

/** What the upstream's last refused POST said; the SDK's error keeps the status, not the headers. */
export interface HttpRefusal {
  status: number;
  retryAfter: string | null;
}

/** The upstream refused our credentials (HTTP 401): renew them once and try again. */
export class UpstreamUnauthorizedError extends Error {
  constructor(readonly upstream: string) {
    super(`The ${upstream} MCP server refused our credentials (401).`);
    this.name = "UpstreamUnauthorizedError";
  }
}

/** Longest piece of an upstream's own error text we repeat to the caller. */
export const MAX_UPSTREAM_TEXT = 1_000;

/**
 * Maps what the SDK threw while talking to an upstream onto our error codes. HTTP statuses come
 * from the transport (`StreamableHTTPError.code`); the SDK's message also carries the response
 * body, which is never repeated (it is the upstream's, and may echo what we sent). JSON-RPC errors
 * are the upstream's answer to us and are repeated, shortened, so the model can act on them.
 */
export function upstreamError(
  source: string,
  err: unknown,
  refusal: HttpRefusal | undefined,
): Error {
  if (err instanceof ToolError || err instanceof UpstreamUnauthorizedError) return err;
  const details = { provider: source };
  if (err instanceof StreamableHTTPError && err.code !== undefined && err.code > 0)
    return httpError(source, err.code, refusal);
  if (err instanceof McpError) {
    const text = upstreamText(err.message.replace(/^MCP error -?\d+: /, ""));
    switch (err.code) {
      case ErrorCode.InvalidParams:
        return new ToolError("invalid_arguments", `The ${source} MCP server: ${text}`, details);
      case ErrorCode.RequestTimeout:
        return new ToolError(
          "timeout",
          `The ${source} MCP server did not answer in time.`,
          details,
        );
      case ErrorCode.ConnectionClosed:
        return new ToolError("provider_error", `The ${source} MCP server closed the connection.`, {
          ...details,
          retriable: true,
        });
      default:
        return new ToolError("provider_error", `The ${source} MCP server: ${text}`, {
          ...details,
          retriable: false,
        });
    }
  }
  if (err instanceof StreamableHTTPError)
    return new ToolError(
      "provider_error",
      `The ${source} MCP server answered with something that is not MCP.`,
      { ...details, retriable: false },
    );
  if (err instanceof Error && err.name === "ZodError")
    return new ToolError("provider_error", `The ${source} MCP server sent an invalid result.`, {
      ...details,
      retriable: false,
    });
  // fetch's TypeError ("fetch failed", cause ECONNREFUSED / ENOTFOUND / a TLS error): not reached.
  return new ToolError(
    "provider_error",
    `Could not reach the ${source} MCP server${networkCode(err)}.`,
    { ...details, retriable: true },
  );
}

function httpError(source: string, status: number, refusal: HttpRefusal | undefined): Error {
  const details = { provider: source };
  if (status === 401) return new UpstreamUnauthorizedError(source);
  if (status === 403)
    return new ToolError("forbidden", `The ${source} MCP server refused the call (403).`, details);
  if (status === 429) {
    const after = retryAfterSeconds(refusal?.status === 429 ? refusal.retryAfter : null);
    return new ToolError("rate_limited", `The ${source} MCP server is rate limiting us (429).`, {
      ...details,
      ...(after !== undefined ? { retryAfterSeconds: after } : {}),
    });
  }
  const transient = status >= 500 || status === 408;
  return new ToolError(
    "provider_error",
    `The ${source} MCP server answered HTTP ${status}${transient ? "" : "; check its configuration"}.`,
    { ...details, retriable: transient },
  );
}

/** An upstream's own words, safe to store and short enough to read. */
export function upstreamText(text: string): string {
  const t = printableText(text).trim();
  return t.length > MAX_UPSTREAM_TEXT ? `${t.slice(0, MAX_UPSTREAM_TEXT)}…` : t;
}

function networkCode(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === "string" ? ` (${cause.code})` : "";
}

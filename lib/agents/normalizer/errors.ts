import { asText, isObj, nonEmpty, num, str, type Obj } from "./read";
import type { UpstreamError } from "./state";

/** Codes worth a "Try again" button: the failure was the service's, not the request's. */
const RETRIABLE_CODES = new Set([
  "server_error",
  "internal_error",
  "rate_limit_exceeded",
  "too_many_requests",
  "timeout",
  "service_unavailable",
  "stream_ended",
]);

const MAX_MESSAGE = 2000;

export function isRetriable(code: string): boolean {
  return RETRIABLE_CODES.has(code);
}

/** `{code, message}` as Foundry puts it in `response.error` and inside the error frame. */
export function upstreamErrorOf(value: unknown): UpstreamError | null {
  if (!isObj(value)) return null;
  const message = nonEmpty(value.message);
  const code =
    nonEmpty(value.code) ?? (num(value.code) !== undefined ? String(value.code) : undefined);
  if (!message && !code) return null;
  return { code: code ?? "upstream_error", message: readableMessage(message ?? code ?? "") };
}

/** Foundry nests the error (`{type:"error", error:{…}}`); OpenAI puts code/message at top level. */
export function errorFrameOf(event: Obj): UpstreamError | null {
  return upstreamErrorOf(event.error) ?? upstreamErrorOf(event);
}

/**
 * What the openai client throws (APIError: `.error` holds the frame's payload, `.code` its code,
 * `.status` the HTTP status when there was one). Only such errors carrying a code are upstream
 * verdicts; a network error (even with a Node `code` such as ECONNRESET) is a dropped stream.
 */
export function upstreamErrorOfThrown(cause: unknown): UpstreamError | null {
  if (!isObj(cause)) return null;
  const inner = upstreamErrorOf(cause.error);
  if (inner && inner.code !== "upstream_error") return inner;
  const code = nonEmpty(cause.code);
  if (!code || num(cause.status) === undefined) return null;
  return { code, message: readableMessage(str(cause.message) ?? code) };
}

/**
 * Tool errors from Foundry are often a JSON document in the message string (the openapi
 * recording); the UI shows `error: message` rather than raw JSON.
 */
export function readableMessage(message: string): string {
  const parsed = parseJsonObject(message);
  const inner = parsed && nonEmpty(parsed.message);
  const text = inner ? [nonEmpty(parsed.error), inner].filter(Boolean).join(": ") : message;
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

function parseJsonObject(text: string): Obj | null {
  if (!text.trimStart().startsWith("{")) return null;
  try {
    const value: unknown = JSON.parse(text);
    return isObj(value) ? value : null;
  } catch {
    return null;
  }
}

/** `mcp_call.error` is a string or one of OpenAI's McpToolCallError objects (or anything else). */
export function describeToolError(error: unknown): string {
  if (typeof error === "string") return error || "The tool call failed.";
  if (!isObj(error)) return asText(error) ?? "The tool call failed.";
  const message = nonEmpty(error.message);
  const code = num(error.code) ?? nonEmpty(error.code);
  if (error.type === "http_error") return labelled(`HTTP ${code ?? "error"}`, message);
  if (error.type === "mcp_protocol_error")
    return labelled(code === undefined ? "MCP error" : `MCP error ${code}`, message);
  const content = textOfMcpContent(error.content);
  if (content) return content;
  if (message) return message;
  return asText(error) ?? "The tool call failed.";
}

function labelled(label: string, message: string | undefined): string {
  return message ? `${label}: ${message}` : label;
}

/** MCP tool results carry `[{type:"text", text}]`; other content is shown as JSON. */
function textOfMcpContent(content: unknown): string | undefined {
  if (content === undefined || content === null) return undefined;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return asText(content);
  const texts = content.map((part) =>
    isObj(part) && typeof part.text === "string" ? part.text : asText(part),
  );
  return texts.filter(Boolean).join("\n") || undefined;
}

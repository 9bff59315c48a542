import { readCappedText } from "@/lib/http/body";
import { ToolError } from "@/mcp-server/catalog/types";
import { ProviderAuthError } from "@/mcp-server/providers/types";
import type { GeneratedOperation } from "./generate";

/** Sends a Request somewhere: the in-process sandbox backend, or `fetch` for a real API. */
export type Transport = (req: Request) => Promise<Response>;

/** One call of an operation: where it goes, how it travels, and the credentials it carries. */
export interface OperationCall {
  baseUrl: string;
  transport: Transport;
  /** Auth headers (the sandbox session bearer, or a configured backend's key or token). */
  headers: Record<string, string>;
  /** Aborts the HTTP request when the tool's time budget runs out. */
  signal?: AbortSignal;
}

/** Answers larger than this are refused rather than read into memory and handed to a model. */
export const MAX_ANSWER_BYTES = 2 * 1024 * 1024;
/** Problem details longer than this are cut: they go to the model as the error message. */
const MAX_DETAIL_CHARS = 300;

/** Builds the HTTP request an operation describes from a tool's (already validated) arguments. */
export function buildRequest(
  op: GeneratedOperation,
  args: Record<string, unknown>,
  call: Omit<OperationCall, "transport">,
): Request {
  let path = op.path;
  const query = new URLSearchParams();
  for (const p of op.parameters) {
    const v = args[p.name];
    if (v === undefined) continue;
    if (p.in === "path") path = path.replace(`{${p.name}}`, pathSegment(p.name, String(v)));
    else if (Array.isArray(v)) for (const item of v) query.append(p.name, String(item));
    else query.set(p.name, String(v));
  }
  const qs = query.toString();
  const headers: Record<string, string> = { ...call.headers, accept: "application/json" };
  const hasBody = op.body !== undefined && args.body !== undefined;
  if (hasBody) headers["content-type"] = "application/json";
  return new Request(`${call.baseUrl}${path}${qs ? `?${qs}` : ""}`, {
    method: op.method.toUpperCase(),
    headers,
    body: hasBody ? JSON.stringify(args.body) : undefined,
    // A redirect could carry our credentials (an API key header survives it) to another host.
    redirect: "manual",
    ...(call.signal ? { signal: call.signal } : {}),
  });
}

/**
 * `.` and `..` survive encodeURIComponent, and URL parsing would resolve them: `{id}` = `..`
 * would address the parent resource. No id is a dot segment, so such a value is refused.
 */
function pathSegment(name: string, value: string): string {
  if (value === "." || value === "..")
    throw new ToolError("invalid_arguments", `${name} cannot be "${value}".`);
  return encodeURIComponent(value);
}

/**
 * Sends the operation's request and maps the answer onto the tool contract: 2xx → the JSON
 * result (or the text of a non-JSON answer); 401/403 → ProviderAuthError (the backend's
 * `authorize` renews its credentials and retries once); 400/422 → invalid_arguments; 404 →
 * not_found; 409/412 → conflict; 429 → rate_limited (+ Retry-After); 3xx and other 4xx →
 * provider_error; 5xx → provider_error, retriable.
 */
export async function executeOperation(
  op: GeneratedOperation,
  args: Record<string, unknown>,
  call: OperationCall,
): Promise<unknown> {
  const res = await call.transport(buildRequest(op, args, call));
  if (res.ok) return successBody(op, res);
  if (res.status === 401 || res.status === 403) {
    discard(res);
    throw new ProviderAuthError(res.status);
  }
  if (res.status >= 300 && res.status < 400) {
    discard(res);
    throw new ToolError(
      "provider_error",
      `${op.operationId} was redirected (HTTP ${res.status}); redirects are not followed, check the base URL.`,
      { retriable: false },
    );
  }
  const detail =
    withoutCredentials(await problemDetail(op, res), call.headers) || `HTTP ${res.status}`;
  switch (res.status) {
    case 400:
    case 422:
      throw new ToolError("invalid_arguments", detail);
    case 404:
      throw new ToolError("not_found", detail);
    case 409:
    case 412:
      throw new ToolError("conflict", detail);
    case 429: {
      const after = retryAfterSeconds(res.headers.get("retry-after"));
      throw new ToolError("rate_limited", detail, {
        retriable: true,
        ...(after !== undefined ? { retryAfterSeconds: after } : {}),
      });
    }
    default:
      throw new ToolError("provider_error", `${op.operationId} failed: ${detail}`, {
        retriable: res.status >= 500,
      });
  }
}

async function successBody(op: GeneratedOperation, res: Response): Promise<unknown> {
  const text = await readText(op, res);
  if (res.status === 204 || text.trim() === "") return {};
  const type = res.headers.get("content-type") ?? "";
  const json = parseJson(text);
  if (json.ok) return json.value;
  if (isJson(type))
    throw new ToolError("provider_error", `${op.operationId} answered with malformed JSON.`, {
      retriable: false,
    });
  // Some APIs label JSON as text (parsed above). HTML or prose cannot stand for a documented
  // JSON object (a proxy's error page, a misrouted base URL); other operations hand the text on.
  if (op.outputSchema)
    throw new ToolError(
      "provider_error",
      `${op.operationId} answered with ${type.split(";")[0] || "no content type"} instead of JSON.`,
      { retriable: false },
    );
  return text;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function isJson(contentType: string): boolean {
  return /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType.trim());
}

/** The body as text, refusing answers over MAX_ANSWER_BYTES. */
async function readText(op: GeneratedOperation, res: Response): Promise<string> {
  const tooLarge = () =>
    new ToolError(
      "provider_error",
      `${op.operationId} answered with more than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB.`,
      { retriable: false },
    );
  if (Number(res.headers.get("content-length")) > MAX_ANSWER_BYTES) {
    discard(res);
    throw tooLarge();
  }
  return readCappedText(res, MAX_ANSWER_BYTES, tooLarge);
}

/** Lets go of a body we will not read (not awaited: a peer may never finish sending it). */
export function discard(res: Response): void {
  void res.body?.cancel().catch(() => undefined);
}

/** RFC 9457 problem details' title and detail; otherwise the status text. */
async function problemDetail(op: GeneratedOperation, res: Response): Promise<string> {
  try {
    const body = JSON.parse(await readText(op, res)) as { title?: unknown; detail?: unknown };
    const said = [body.title, body.detail]
      .filter((s): s is string => typeof s === "string" && s !== "")
      .join(": ");
    return said.length > MAX_DETAIL_CHARS ? `${said.slice(0, MAX_DETAIL_CHARS)}…` : said;
  } catch {
    return res.statusText;
  }
}

/**
 * An API that echoes the request's credentials in its error (a debug mode, a proxy) must not
 * hand them to the model: the detail becomes the tool's error message.
 */
function withoutCredentials(detail: string, headers: Record<string, string>): string {
  let out = detail;
  for (const value of Object.values(headers)) {
    const secret = value.replace(/^(Bearer|Basic|Token)\s+/i, "");
    for (const s of new Set([value, secret]))
      if (s.length >= 8) out = out.split(s).join("[redacted]");
  }
  return out;
}

/** Retry-After is delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterSeconds(
  value: string | null,
  now: number = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    const seconds = Number(trimmed);
    return seconds > 0 ? seconds : undefined;
  }
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  const seconds = Math.ceil((at - now) / 1000);
  return seconds > 0 ? seconds : undefined;
}

import { ToolError } from "@/mcp-server/catalog/types";
import type { ProviderSession } from "@/mcp-server/providers/types";
import { ProviderAuthError } from "@/mcp-server/providers/types";
import type { GeneratedOperation } from "./generate";

/** Sends a Request somewhere: the in-process sandbox backend, or `fetch` for a real API. */
export type Transport = (req: Request) => Promise<Response>;

/** Builds the HTTP request an operation describes from a tool's (already validated) arguments. */
export function buildRequest(
  op: GeneratedOperation,
  baseUrl: string,
  args: Record<string, unknown>,
  session: ProviderSession,
): Request {
  let path = op.path;
  const query = new URLSearchParams();
  for (const p of op.parameters) {
    const v = args[p.name];
    if (v === undefined) continue;
    if (p.in === "path") path = path.replace(`{${p.name}}`, encodeURIComponent(String(v)));
    else if (Array.isArray(v)) for (const item of v) query.append(p.name, String(item));
    else query.set(p.name, String(v));
  }
  const qs = query.toString();
  const headers: Record<string, string> = {
    accept: "application/json",
    authorization: `Bearer ${session.id}`,
  };
  const hasBody = op.body !== undefined && args.body !== undefined;
  if (hasBody) headers["content-type"] = "application/json";
  return new Request(`${baseUrl}${path}${qs ? `?${qs}` : ""}`, {
    method: op.method.toUpperCase(),
    headers,
    body: hasBody ? JSON.stringify(args.body) : undefined,
  });
}

async function problemDetail(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { title?: unknown; detail?: unknown };
    return [body.title, body.detail]
      .filter((s): s is string => typeof s === "string" && s !== "")
      .join(": ");
  } catch {
    return res.statusText;
  }
}

/**
 * Maps the API's answer onto the tool contract: 2xx → JSON result; 401/403 → the session is
 * renewed and the call retried once (withProviderSession); 400/422 → invalid_arguments;
 * 404 → not_found; 409/412 → conflict; 429 → rate_limited; other → provider_error.
 */
export async function executeOperation(
  op: GeneratedOperation,
  baseUrl: string,
  args: Record<string, unknown>,
  session: ProviderSession,
  transport: Transport,
): Promise<unknown> {
  const res = await transport(buildRequest(op, baseUrl, args, session));
  if (res.ok) {
    if (res.status === 204) return {};
    return res.json();
  }
  if (res.status === 401 || res.status === 403) throw new ProviderAuthError(res.status);
  const detail = (await problemDetail(res)) || `HTTP ${res.status}`;
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
      const after = Number(res.headers.get("retry-after"));
      throw new ToolError("rate_limited", detail, {
        retriable: true,
        ...(Number.isFinite(after) && after > 0 ? { retryAfterSeconds: after } : {}),
      });
    }
    default:
      throw new ToolError("provider_error", `${op.operationId} failed: ${detail}`, {
        retriable: res.status >= 500,
      });
  }
}

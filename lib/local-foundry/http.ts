import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { readJson } from "@/lib/http/body";
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from "@/lib/http/text";
import { badRequest, LfError } from "./errors";

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}

/**
 * Reads and validates a JSON body with the app's byte cap, answering in OpenAI's error shape.
 * A request with no body at all counts as `{}` (the SDKs send none for optional bodies).
 */
export async function readBody<S extends z.ZodType>(req: Request, schema: S): Promise<z.infer<S>> {
  const hasBody =
    req.headers.has("content-type") || Number(req.headers.get("content-length") ?? "0") > 0;
  try {
    if (!hasBody) return await readJson(withJson(req, "{}"), schema);
    return await readJson(req, schema);
  } catch (err) {
    throw err instanceof AppError ? toLfError(err) : err;
  }
}

function withJson(req: Request, body: string): Request {
  return new Request(req.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
}

function toLfError(err: AppError): LfError {
  const issues = err.extensions?.errors as { path: string; message: string }[] | undefined;
  const first = issues?.[0];
  const message = first ? `Invalid '${first.path || "body"}': ${first.message}` : err.message;
  const code = err.code === "invalid_request" ? "invalid_value" : err.code;
  return new LfError(err.status, message, "invalid_request_error", code, first?.path || null);
}

/**
 * Ids in the path and query values end up in database lookups: a NUL or an unpaired surrogate
 * there is a 400 in Foundry's shape (the body is checked by readBody, through readJson).
 */
export function assertStorableUrl(url: URL): void {
  for (const segment of url.pathname.split("/")) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      continue; // malformed percent-encoding matches no route (404)
    }
    if (!isStorableText(decoded)) throw badRequest(`Invalid path: ${UNSTORABLE_TEXT_MESSAGE}`);
  }
  for (const [key, value] of url.searchParams) {
    if (!isStorableText(key)) throw badRequest(`Invalid query: ${UNSTORABLE_TEXT_MESSAGE}`);
    if (!isStorableText(value))
      throw badRequest(`Invalid '${key}': ${UNSTORABLE_TEXT_MESSAGE}`, key);
  }
}

import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { getConfig } from "@/lib/config";
import { inspectJson, UNSTORABLE_TEXT_MESSAGE } from "./text";

/** Reads a JSON body with a byte cap, then validates it. Never throws anything but AppError. */
export async function readJson<S extends z.ZodType>(req: Request, schema: S): Promise<z.infer<S>> {
  const type = req.headers.get("content-type") ?? "";
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw new AppError("unsupported_media_type", "Send the request body as application/json.");
  }
  const limit = getConfig().limits.maxBodyBytes;
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limit) throw tooLarge(limit);
  const text = await readCappedText(req, limit, () => tooLarge(limit));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError("invalid_json", "The request body is not valid JSON.");
  }
  return parseWith(schema, value);
}

/**
 * Validates a parsed body, route params or query against a schema. Whatever the schema says, the
 * value may nest at most `MAX_JSON_DEPTH` levels (zod and the event log recurse) and every string,
 * keys included, must be storable text (no NUL, no lone surrogate).
 */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const maxDepth = getConfig().limits.maxJsonDepth;
  const problem = inspectJson(value, maxDepth);
  if (problem) {
    const message =
      problem.kind === "text"
        ? UNSTORABLE_TEXT_MESSAGE
        : `Nested more than ${maxDepth} levels deep.`;
    throw new AppError("invalid_request", "The request is not valid.", {
      extensions: { errors: [{ path: problem.path, message }] },
    });
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new AppError("invalid_request", "The request is not valid.", {
      extensions: {
        errors: result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
      },
    });
  }
  return result.data;
}

function tooLarge(limit: number) {
  return new AppError("payload_too_large", `The request body is larger than ${limit} bytes.`);
}

/**
 * Reads a request's or response's body as text, throwing `tooLarge()` once it passes `limit`
 * bytes, without reading the rest (a peer may send far more than it declared, or never stop).
 */
export async function readCappedText(
  message: Request | Response,
  limit: number,
  tooLarge: () => Error,
): Promise<string> {
  if (!message.body) return "";
  const reader = message.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      // Not awaited: cancelling waits for a peer that may never finish sending.
      void reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

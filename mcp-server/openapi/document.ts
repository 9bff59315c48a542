import path from "node:path";
import type SwaggerParser from "@apidevtools/swagger-parser";
import { parse as parseYaml } from "yaml";
import { isLoopback } from "@/lib/tool-backends";
import { readCappedText } from "@/lib/http/body";
import { discard } from "./executor";

/** A configured OpenAPI document, ready for the generator. */
export interface OpenApiDocument {
  /** An absolute file path (swagger-parser reads it), or the parsed document fetched from a URL. */
  source: string | Record<string, unknown>;
  /** Where the document came from when it was fetched (relative server URLs resolve against it). */
  url?: URL;
  /** What its `$ref`s may reach: files next to a file; nothing outside a fetched document. */
  parser: SwaggerParser.Options;
}

/** A document URL gets this long to answer (within the tool source's own load budget). */
export const DOCUMENT_FETCH_TIMEOUT_MS = 8_000;
/** OpenAPI documents of large APIs run to a few MiB; anything bigger is not a document. */
export const MAX_DOCUMENT_BYTES = 8 * 1024 * 1024;

/** https, or plain http to this machine only (the same rule as the tool backends file's URLs). */
export function secureUrl(url: URL): boolean {
  return url.protocol === "https:" || (url.protocol === "http:" && isLoopback(url.href));
}

/**
 * Locates a configured document: an `https://` URL is fetched (bounded by
 * DOCUMENT_FETCH_TIMEOUT_MS and MAX_DOCUMENT_BYTES, redirects only to https) and parsed as YAML
 * or JSON; anything else is a file path relative to the working directory.
 */
export async function openApiDocument(
  location: string,
  opts: { signal: AbortSignal; fetch?: typeof fetch },
): Promise<OpenApiDocument> {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(location))
    // Files may $ref files beside them (an admin put them there), never a URL.
    return { source: path.resolve(location), parser: { resolve: { http: false } } };
  const url = new URL(location);
  if (!secureUrl(url))
    throw new Error("the document URL must be https (plain http only to 127.0.0.1 or localhost)");
  const text = await fetchDocument(url, opts.signal, opts.fetch ?? fetch);
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch {
    throw new Error("the document is neither YAML nor JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new Error("the document is not an OpenAPI object");
  // A fetched document must be self-contained: its $refs could otherwise read local files.
  return {
    source: parsed as Record<string, unknown>,
    url,
    parser: { resolve: { file: false, http: false } },
  };
}

async function fetchDocument(url: URL, signal: AbortSignal, fetchFn: typeof fetch) {
  const timeout = AbortSignal.timeout(DOCUMENT_FETCH_TIMEOUT_MS);
  let res: Response;
  try {
    res = await fetchFn(url, {
      signal: AbortSignal.any([signal, timeout]),
      headers: { accept: "application/yaml, application/json;q=0.9, */*;q=0.5" },
    });
  } catch (err) {
    if (timeout.aborted)
      throw new Error(
        `the document URL did not answer within ${DOCUMENT_FETCH_TIMEOUT_MS / 1000} s`,
      );
    throw new Error(`the document URL could not be reached (${networkReason(err)})`);
  }
  if (res.url && !secureUrl(new URL(res.url))) {
    discard(res);
    throw new Error("the document URL redirected to a plain http URL");
  }
  if (!res.ok) {
    discard(res);
    throw new Error(`the document URL answered HTTP ${res.status}`);
  }
  return readCappedText(
    res,
    MAX_DOCUMENT_BYTES,
    () => new Error(`the document is larger than ${MAX_DOCUMENT_BYTES / 1024 / 1024} MiB`),
  );
}

/** undici's "fetch failed" hides the reason in its cause (ECONNREFUSED, a certificate error, …). */
export function networkReason(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === "string") return cause.code;
  if (err instanceof Error && err.name !== "TypeError") return err.name;
  return "network error";
}

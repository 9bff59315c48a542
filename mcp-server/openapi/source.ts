import type { OpenApiBackendConfig } from "@/lib/tool-backends";
import type { ToolSource } from "@/mcp-server/catalog/sources";
import { openApiDocument, secureUrl } from "./document";
import { generateOperations } from "./generate";
import { remoteBackend } from "./remote";
import { toolsFromApi } from "./tools";

/** Source errors are shown to admins; a validator's report is cut to a readable length. */
const MAX_REASON_CHARS = 500;

/**
 * One tool source per OpenAPI backend of the tool backends file: `openapi:<id>`, whose tools are
 * the document's operations (or those listed in `operations`) named `openapi_<id>_<operation>`.
 * The document is read and generated when the catalog first loads; a document that cannot be
 * read or used fails that source alone, with the reason in its status.
 */
export function openApiBackendSources(
  backends: readonly OpenApiBackendConfig[],
  opts: { fetch?: typeof fetch } = {},
): ToolSource[] {
  return backends.map((config) => ({
    id: `openapi:${config.id}`,
    load: async (signal) => {
      try {
        const doc = await openApiDocument(config.document, { signal, fetch: opts.fetch });
        const api = await generateOperations(doc.source, {
          toolPrefix: `openapi_${config.id}`,
          operations: config.operations,
          parser: doc.parser,
        });
        const baseUrl = resolveBaseUrl(config.baseUrl, api.baseUrl, doc.url);
        return toolsFromApi(api, remoteBackend(config, baseUrl, opts.fetch));
      } catch (err) {
        throw new Error(`${shown(config.document)}: ${reason(err)}`);
      }
    },
  }));
}

/**
 * `baseUrl` from the file wins; otherwise the document's first server, resolved against the
 * document's own URL when relative. Either way https, or plain http to loopback only.
 */
export function resolveBaseUrl(
  configured: string | undefined,
  fromDocument: string,
  documentUrl?: URL,
): string {
  if (configured) return configured.replace(/\/+$/, "");
  if (!fromDocument) throw new Error("the document names no server; set baseUrl");
  if (fromDocument.includes("{"))
    throw new Error(`the server URL ${fromDocument} has variables; set baseUrl`);
  let url: URL;
  try {
    url = new URL(fromDocument, documentUrl);
  } catch {
    throw new Error(`the server URL ${fromDocument} is relative to a file; set baseUrl`);
  }
  if (!secureUrl(url))
    throw new Error(`the server URL ${url.href} is not https (plain http only to loopback)`);
  return url.href.replace(/\/+$/, "");
}

/** A document URL without its query: a signed link's token must not reach the admin page or logs. */
function shown(location: string): string {
  try {
    const url = new URL(location);
    return `${url.origin}${url.pathname}`;
  } catch {
    return location;
  }
}

function reason(err: unknown): string {
  const text = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, " ").trim();
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS)}…` : text;
}

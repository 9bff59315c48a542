import https from "node:https";
import path from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { loggerOptions } from "@/lib/log";
import type { OpenApiBackendConfig } from "@/lib/tool-backends";
import type { ToolDefinition } from "@/mcp-server/catalog/types";
import { openApiBackendSources } from "@/mcp-server/openapi/source";

/** A small CRM API (8 operations, one per method plus a refund and a CSV export). */
export const CRM_DOCUMENT = path.join(__dirname, "../../../fixtures/openapi/crm-api.yaml");

export const CRM_OPERATIONS = [
  "openapi_crm_list_contacts",
  "openapi_crm_create_contact",
  "openapi_crm_get_contact",
  "openapi_crm_replace_contact",
  "openapi_crm_update_contact_tags",
  "openapi_crm_delete_contact",
  "openapi_crm_issue_refund",
  "openapi_crm_export_contacts",
];

export function backend(overrides: Partial<OpenApiBackendConfig> = {}): OpenApiBackendConfig {
  return { id: "crm", document: CRM_DOCUMENT, auth: { type: "none" }, ...overrides };
}

/** Loads the backends' sources as the catalog would and returns their tools by name. */
export async function loadTools(
  configs: OpenApiBackendConfig[],
  opts: { fetch?: typeof fetch } = {},
): Promise<Map<string, ToolDefinition>> {
  const tools = new Map<string, ToolDefinition>();
  for (const source of openApiBackendSources(configs, opts))
    for (const t of await source.load(AbortSignal.timeout(10_000))) tools.set(t.name, t);
  return tools;
}

/**
 * `fetch` over node:https trusting one extra CA (the `serveTls` fake's), for code that takes a
 * fetch function: Node's own fetch has no per-call CA option.
 */
export function fetchTrusting(ca: string): typeof fetch {
  return async (input, init) => {
    const req = new Request(input, init);
    if (new URL(req.url).protocol !== "https:") return fetch(req);
    const body = req.body ? Buffer.from(await req.arrayBuffer()) : undefined;
    return new Promise<Response>((resolve, reject) => {
      const out = https.request(
        req.url,
        { method: req.method, headers: Object.fromEntries(req.headers), ca, signal: req.signal },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve(
              new Response(res.statusCode === 204 ? null : Buffer.concat(chunks), {
                status: res.statusCode,
                headers: res.headers as Record<string, string>,
              }),
            ),
          );
          res.on("error", reject);
        },
      );
      out.on("error", reject);
      out.end(body);
    });
  };
}

const LOGGER = Symbol.for("foundry-agent-chat.logger");

/** Routes the app's logger (built exactly as in production) into `lines` until `restore()`. */
export function captureLogs(): { lines: string[]; restore: () => void } {
  const g = globalThis as { [LOGGER]?: pino.Logger };
  const before = g[LOGGER];
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString("utf8"));
      done();
    },
  });
  g[LOGGER] = pino(loggerOptions("debug"), sink);
  return { lines, restore: () => (g[LOGGER] = before) };
}

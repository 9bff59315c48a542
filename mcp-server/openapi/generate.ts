import SwaggerParser from "@apidevtools/swagger-parser";
import type { Risk, ToolAnnotations } from "@/mcp-server/catalog/types";
import { toPlainSchema, type PlainSchema } from "./plain-schema";

/**
 * Turns an OpenAPI 3 document into one tool description per operation: the name from the
 * operationId, the input from path/query parameters plus the JSON request body (`body`), every
 * $ref resolved by swagger-parser into plain JSON Schema, and the risk from the HTTP method.
 * The result is data (JSON) so the catalog can be built synchronously at import time.
 */

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

export interface GeneratedParameter {
  name: string;
  in: "path" | "query";
  required: boolean;
}

export interface GeneratedOperation {
  toolName: string;
  operationId: string;
  title: string;
  description: string;
  method: HttpMethod;
  path: string;
  risk: Risk;
  /** Deletes, writes tagged `payments`, and operations marked `x-privileged` — for the policy. */
  privileged: boolean;
  annotations: ToolAnnotations;
  parameters: GeneratedParameter[];
  /** undefined: the operation takes no body. */
  body?: { required: boolean };
  inputSchema: PlainSchema;
  outputSchema?: PlainSchema;
}

export interface GeneratedApi {
  title: string;
  version: string;
  /** The first server URL; the executor sends requests there (or to the sandbox backend). */
  baseUrl: string;
  toolPrefix: string;
  operations: GeneratedOperation[];
}

const METHODS: HttpMethod[] = ["get", "post", "put", "patch", "delete"];

/** GET reads; POST/PUT/PATCH write; DELETE and anything marked privileged need an approver. */
export function riskFor(method: HttpMethod, privileged: boolean): Risk {
  if (privileged) return "privileged";
  return method === "get" ? "read" : "write";
}

/** What the method promises (RFC 9110 safe/idempotent semantics), as MCP annotations. */
export function annotationsFor(method: HttpMethod, openWorld: boolean): ToolAnnotations {
  switch (method) {
    case "get":
      return {
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: openWorld,
      };
    case "post":
      return {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: openWorld,
      };
    case "put":
      return {
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: true,
        openWorldHint: openWorld,
      };
    case "patch":
      return {
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
        openWorldHint: openWorld,
      };
    case "delete":
      return {
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: true,
        openWorldHint: openWorld,
      };
  }
}

/** listVehicles → list_vehicles; getHTTPStatus → get_http_status. */
export function snakeCase(operationId: string): string {
  return operationId
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .toLowerCase();
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export interface GenerateOptions {
  /** Tool name prefix; overrides the document's `x-mcp-tool-prefix` (configured backends). */
  toolPrefix?: string;
  /** Only these operationIds become tools; one the document lacks is an error. */
  operations?: readonly string[];
  /** How swagger-parser may resolve external `$ref`s (configured documents restrict it). */
  parser?: SwaggerParser.Options;
}

/** Accepts a file path, URL or an already parsed document (which is cloned, never mutated). */
export async function generateOperations(
  source: string | Obj,
  options: GenerateOptions = {},
): Promise<GeneratedApi> {
  const input = typeof source === "string" ? source : (structuredClone(source) as never);
  // validate() = parse + dereference + schema/spec validation; a broken document stops here.
  const doc = (await SwaggerParser.validate(input, options.parser ?? {})) as unknown as Obj;
  if (typeof doc.openapi !== "string" || !doc.openapi.startsWith("3."))
    throw new Error("Only OpenAPI 3.x documents are supported.");
  const info = (doc.info ?? {}) as Obj;
  const prefix =
    options.toolPrefix ??
    (typeof info["x-mcp-tool-prefix"] === "string" ? snakeCase(info["x-mcp-tool-prefix"]) : "");
  const wanted = options.operations ? new Set(options.operations) : undefined;
  const operations: GeneratedOperation[] = [];
  const paths = (doc.paths ?? {}) as Record<string, Obj>;

  for (const [path, item] of Object.entries(paths)) {
    const shared = Array.isArray(item.parameters) ? (item.parameters as Obj[]) : [];
    for (const method of METHODS) {
      const op = item[method];
      if (!isObj(op)) continue;
      // Operations left out are not even generated: what they need cannot break the others.
      if (wanted && !wanted.has(String(op.operationId))) continue;
      operations.push(generateOperation(path, method, op, shared, prefix));
    }
  }
  const missing = [...(wanted ?? [])].filter((id) => !operations.some((o) => o.operationId === id));
  if (missing.length)
    throw new Error(`The document has no operation ${missing.join(", ")} (listed in operations).`);
  const names = new Set<string>();
  for (const op of operations) {
    if (names.has(op.toolName))
      throw new Error(`Two operations map to the tool name ${op.toolName}.`);
    names.add(op.toolName);
  }
  const servers = Array.isArray(doc.servers) ? (doc.servers as Obj[]) : [];
  const baseUrl = typeof servers[0]?.url === "string" ? servers[0].url.replace(/\/$/, "") : "";
  return {
    title: String(info.title ?? ""),
    version: String(info.version ?? ""),
    baseUrl,
    toolPrefix: prefix,
    operations,
  };
}

function generateOperation(
  path: string,
  method: HttpMethod,
  op: Obj,
  shared: Obj[],
  prefix: string,
): GeneratedOperation {
  const where = `${method.toUpperCase()} ${path}`;
  if (typeof op.operationId !== "string" || op.operationId === "")
    throw new Error(`${where} has no operationId; tools are named from it.`);
  const operationId = op.operationId;
  const toolName = [prefix, snakeCase(operationId)].filter(Boolean).join("_");
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(toolName))
    throw new Error(`${where}: tool name "${toolName}" is not a valid tool name.`);

  // Operation-level parameters override path-level ones with the same name and location.
  const byKey = new Map<string, Obj>();
  for (const p of [...shared, ...(Array.isArray(op.parameters) ? (op.parameters as Obj[]) : [])])
    byKey.set(`${p.in}:${p.name}`, p);

  const properties: Record<string, PlainSchema> = {};
  const required: string[] = [];
  const parameters: GeneratedParameter[] = [];
  for (const p of byKey.values()) {
    // Headers and cookies carry transport concerns (auth, idempotency); the executor owns them.
    if (p.in !== "path" && p.in !== "query") continue;
    const name = String(p.name);
    if (name === "body")
      throw new Error(`${where}: a parameter named "body" would clash with the request body.`);
    if (properties[name])
      throw new Error(`${where}: parameter "${name}" appears both in path and query.`);
    const schema = toPlainSchema(p.schema ?? { type: "string" }, `${where} parameter ${name}`);
    const description = typeof p.description === "string" ? p.description : schema.description;
    properties[name] = { ...schema, ...(description ? { description } : {}) };
    const isRequired = p.in === "path" || p.required === true;
    if (isRequired) required.push(name);
    parameters.push({ name, in: p.in, required: isRequired });
  }

  let body: GeneratedOperation["body"];
  if (isObj(op.requestBody)) {
    const content = (op.requestBody.content ?? {}) as Record<string, Obj>;
    const json = content["application/json"];
    if (!json) throw new Error(`${where}: only application/json request bodies are supported.`);
    const schema = toPlainSchema(json.schema ?? { type: "object" }, `${where} request body`);
    const description =
      typeof op.requestBody.description === "string"
        ? op.requestBody.description
        : (schema.description ?? "Request body.");
    properties.body = { ...schema, description };
    body = { required: op.requestBody.required === true };
    if (body.required) required.push("body");
  }

  // Reading a payment moves no money; taking or changing one does.
  const moneyTag = Array.isArray(op.tags) && op.tags.includes("payments") && method !== "get";
  const privileged = method === "delete" || op["x-privileged"] === true || moneyTag;
  const summary = typeof op.summary === "string" ? op.summary : operationId;
  const description = [op.summary, op.description]
    .filter((s): s is string => typeof s === "string")
    .join(". ")
    .replace(/\.\.\s/g, ". ")
    .trim();

  return {
    toolName,
    operationId,
    title: summary,
    description: description || summary,
    method,
    path,
    risk: riskFor(method, privileged),
    privileged,
    annotations: annotationsFor(method, op["x-mcp-open-world"] === true),
    parameters,
    ...(body ? { body } : {}),
    inputSchema: {
      type: "object",
      properties,
      ...(required.length ? { required } : {}),
      additionalProperties: false,
    },
    ...outputFor(op, where),
  };
}

/** The 2xx JSON response becomes the output schema when it is an object (MCP structuredContent). */
function outputFor(op: Obj, where: string): { outputSchema?: PlainSchema } {
  const responses = (op.responses ?? {}) as Record<string, Obj>;
  const ok = ["200", "201", "202"].map((s) => responses[s]).find(isObj);
  const schema =
    ok && isObj(ok.content) && isObj((ok.content as Obj)["application/json"])
      ? ((ok.content as Obj)["application/json"] as Obj).schema
      : undefined;
  if (!isObj(schema)) return {};
  const plain = toPlainSchema(schema, `${where} response`);
  return plain.type === "object" ? { outputSchema: plain } : {};
}

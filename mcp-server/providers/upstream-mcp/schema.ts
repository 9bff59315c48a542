import type { z } from "zod";
import { toPlainSchema } from "@/mcp-server/openapi/plain-schema";
import { plainObjectToZod } from "@/mcp-server/openapi/plain-schema-zod";

export type SchemaResult = { ok: true; schema: z.ZodObject } | { ok: false; reason: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Keywords the plain subset has no word for, and which dropping would change what the tool
 * accepts: a map (`additionalProperties` with a schema, `patternProperties`), a tuple, a
 * conditional. Refused rather than silently narrowed into a schema that refuses every real call.
 */
const LOSSY = ["patternProperties", "prefixItems", "if", "dependentSchemas", "propertyNames"];

/**
 * An upstream's `inputSchema` as our zod (strict: unknown arguments are refused, as for every
 * tool). Reuses the OpenAPI reduction (mcp-server/openapi/plain-schema.ts): `allOf` of objects is
 * merged, `["x", "null"]` becomes `x`; `anyOf`/`oneOf`/`not`, `$ref` and real multi-types are
 * refused with the JSON path of the node, which the caller logs.
 */
export function inputSchemaOf(json: unknown): SchemaResult {
  return convert(json, "inputSchema", true);
}

/** An upstream's `outputSchema` (lenient: a field the upstream adds later does not break calls). */
export function outputSchemaOf(json: unknown): SchemaResult {
  return convert(json, "outputSchema", false);
}

function convert(json: unknown, where: string, strict: boolean): SchemaResult {
  try {
    const plain = toPlainSchema(normalize(json, where), where);
    if (plain.type !== "object") return { ok: false, reason: `${where}: must be an object` };
    return { ok: true, schema: plainObjectToZod(plain, strict) };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}

/** Refuses lossy keywords (with their path) and writes `const: v` as the equivalent `enum: [v]`. */
function normalize(node: unknown, where: string): unknown {
  if (Array.isArray(node)) return node.map((n, i) => normalize(n, `${where}[${i}]`));
  if (!isObj(node)) return node;
  for (const k of LOSSY)
    if (k in node) throw new Error(`${where}: ${k} cannot be expressed as a plain tool schema.`);
  if (isObj(node.additionalProperties))
    throw new Error(`${where}: additionalProperties with a schema (a map) cannot be expressed.`);
  const out: Obj = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "properties" && isObj(v))
      out[k] = Object.fromEntries(
        Object.entries(v).map(([p, s]) => [p, normalize(s, `${where}.${p}`)]),
      );
    else if (k === "items") out[k] = normalize(v, `${where}[]`);
    else if (k === "allOf") out[k] = normalize(v, where);
    else out[k] = v;
  }
  if ("const" in node && (typeof node.const === "string" || typeof node.const === "number")) {
    out.enum = [node.const];
    out.type ??= typeof node.const === "number" ? "number" : "string";
    delete out.const;
  }
  return out;
}

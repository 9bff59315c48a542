/**
 * The JSON Schema subset tools may use: one `type` per node, no anyOf/allOf/oneOf/not, no $ref.
 * Foundry refuses anything else, so OpenAPI schemas are reduced to it at generation time and
 * a document that cannot be reduced is refused with the path of the offending node.
 */
export interface PlainSchema {
  type: "object" | "array" | "string" | "integer" | "number" | "boolean";
  description?: string;
  properties?: Record<string, PlainSchema>;
  required?: string[];
  additionalProperties?: false;
  items?: PlainSchema;
  minItems?: number;
  maxItems?: number;
  enum?: (string | number)[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const TYPES = new Set(["object", "array", "string", "integer", "number", "boolean"]);
const NUMBER_KEYS = [
  "minItems",
  "maxItems",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
] as const;

export function toPlainSchema(input: unknown, where: string): PlainSchema {
  if (!isObj(input)) throw new Error(`${where}: schema must be an object.`);
  if ("$ref" in input) throw new Error(`${where}: unresolved $ref ${String(input.$ref)}.`);
  for (const k of ["anyOf", "oneOf", "not"]) {
    if (k in input) throw new Error(`${where}: ${k} cannot be expressed as a plain tool schema.`);
  }
  const s = Array.isArray(input.allOf) ? mergeAllOf(input, where) : input;

  let type = s.type;
  // OpenAPI 3.1 writes nullable as ["string", "null"]; a tool argument simply omits the value.
  if (Array.isArray(type)) {
    const nonNull = type.filter((t) => t !== "null");
    if (nonNull.length !== 1)
      throw new Error(
        `${where}: multi-type ${JSON.stringify(type)} cannot be expressed as a plain tool schema.`,
      );
    type = nonNull[0];
  }
  if (type === undefined)
    type = isObj(s.properties) ? "object" : Array.isArray(s.enum) ? "string" : undefined;
  if (typeof type !== "string" || !TYPES.has(type))
    throw new Error(`${where}: needs a single type (got ${JSON.stringify(s.type)}).`);

  const out: PlainSchema = { type: type as PlainSchema["type"] };
  if (typeof s.description === "string") out.description = s.description.trim();
  if (Array.isArray(s.enum)) out.enum = s.enum.filter((v): v is string | number => v !== null);
  if (typeof s.format === "string") out.format = s.format;
  if (typeof s.pattern === "string") out.pattern = s.pattern;
  for (const k of NUMBER_KEYS) if (typeof s[k] === "number") out[k] = s[k] as number;

  if (out.type === "object") {
    const props = isObj(s.properties) ? s.properties : {};
    out.properties = Object.fromEntries(
      Object.entries(props).map(([k, v]) => [k, toPlainSchema(v, `${where}.${k}`)]),
    );
    const req = Array.isArray(s.required)
      ? s.required.filter((r): r is string => typeof r === "string" && r in props)
      : [];
    if (req.length) out.required = req;
    out.additionalProperties = false;
  }
  if (out.type === "array") out.items = toPlainSchema(s.items ?? { type: "string" }, `${where}[]`);
  return out;
}

/** allOf of object schemas (the common "base + extension" idiom) merges into one object. */
function mergeAllOf(s: Obj, where: string): Obj {
  const parts = [{ ...s, allOf: undefined }, ...(s.allOf as unknown[])].filter(isObj);
  const properties: Obj = {};
  const required = new Set<string>();
  let description: string | undefined;
  for (const p of parts) {
    if (Array.isArray(p.allOf)) Object.assign(p, mergeAllOf(p, where));
    if (p.type !== undefined && p.type !== "object")
      throw new Error(`${where}: allOf of non-object schemas cannot be merged.`);
    Object.assign(properties, isObj(p.properties) ? p.properties : {});
    for (const r of Array.isArray(p.required) ? p.required : []) required.add(String(r));
    if (typeof p.description === "string") description ??= p.description;
  }
  return {
    type: "object",
    properties,
    required: [...required],
    ...(description ? { description } : {}),
  };
}

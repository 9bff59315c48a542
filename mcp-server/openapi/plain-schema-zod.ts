import { z } from "zod";
import type { PlainSchema } from "./plain-schema";

/**
 * Plain JSON Schema (the generator's output) → zod, so generated tools have the same kind of
 * schema as hand-written ones and `z.toJSONSchema` gives back a plain schema.
 */
export function plainToZod(s: PlainSchema, strict = true): z.ZodType {
  const schema = base(s, strict);
  return s.description ? schema.describe(s.description) : schema;
}

/**
 * `strict` (inputs): unknown keys are refused, as the schema says (additionalProperties: false).
 * Outputs are not strict: a backend that adds a field must not break the tool.
 */
export function plainObjectToZod(s: PlainSchema, strict = true): z.ZodObject {
  if (s.type !== "object") throw new Error("Expected an object schema.");
  return base(s, strict) as z.ZodObject;
}

function base(s: PlainSchema, strict: boolean): z.ZodType {
  switch (s.type) {
    case "object": {
      const required = new Set(s.required ?? []);
      const shape: Record<string, z.ZodType> = {};
      for (const [k, v] of Object.entries(s.properties ?? {})) {
        const inner = plainToZod(v, strict);
        shape[k] = required.has(k) ? inner : inner.optional();
      }
      return strict ? z.strictObject(shape) : z.object(shape);
    }
    case "array": {
      let a = z.array(plainToZod(s.items ?? { type: "string" }, strict));
      if (s.minItems !== undefined) a = a.min(s.minItems);
      if (s.maxItems !== undefined) a = a.max(s.maxItems);
      return a;
    }
    case "string":
      return stringSchema(s);
    case "integer":
    case "number": {
      if (s.enum) return z.literal(s.enum.map(Number));
      let n = s.type === "integer" ? z.int() : z.number();
      if (s.minimum !== undefined) n = n.min(s.minimum);
      if (s.maximum !== undefined) n = n.max(s.maximum);
      return n;
    }
    case "boolean":
      return z.boolean();
  }
}

function stringSchema(s: PlainSchema): z.ZodType {
  if (s.enum) return z.enum(s.enum.map(String) as [string, ...string[]]);
  let str: z.ZodString | z.ZodEmail | z.ZodISODateTime | z.ZodISODate | z.ZodUUID;
  switch (s.format) {
    case "email":
      str = z.email();
      break;
    case "date-time":
      str = z.iso.datetime({ offset: true });
      break;
    case "date":
      str = z.iso.date();
      break;
    case "uuid":
      str = z.uuid();
      break;
    default:
      str = z.string();
  }
  if (s.pattern !== undefined) str = str.regex(new RegExp(s.pattern));
  if (s.minLength !== undefined) str = str.min(s.minLength);
  if (s.maxLength !== undefined) str = str.max(s.maxLength);
  return str;
}

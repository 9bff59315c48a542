import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import type {
  JsonSchemaType,
  JsonSchemaValidator,
  jsonSchemaValidator,
} from "@modelcontextprotocol/sdk/validation/types.js";

const MAX_CACHED = 1000;

/**
 * The MCP client compiles a validator for every tool's output schema on each tools/list (about
 * 2 ms per schema with Ajv, ~50 ms for our catalog). A client lives for one operation here, so one
 * process-wide validator remembers compiled schemas by their JSON text.
 */
class CachingValidator implements jsonSchemaValidator {
  private readonly ajv = new AjvJsonSchemaValidator();
  private readonly compiled = new Map<string, JsonSchemaValidator<unknown>>();

  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    const key = JSON.stringify(schema);
    let validator = this.compiled.get(key);
    if (!validator) {
      if (this.compiled.size >= MAX_CACHED) this.compiled.clear();
      validator = this.ajv.getValidator<unknown>(schema);
      this.compiled.set(key, validator);
    }
    return validator as JsonSchemaValidator<T>;
  }
}

export const sharedValidator: jsonSchemaValidator = new CachingValidator();

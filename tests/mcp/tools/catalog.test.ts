import { describe, expect, it } from "vitest";
import { z } from "zod";
import { builtinTools, getTool } from "@/mcp-server/catalog";

/** Finds every place a JSON Schema uses a construct Foundry refuses. */
function forbiddenConstructs(schema: unknown, path = "#"): string[] {
  if (Array.isArray(schema))
    return schema.flatMap((s, i) => forbiddenConstructs(s, `${path}/${i}`));
  if (!schema || typeof schema !== "object") return [];
  const found: string[] = [];
  for (const [k, v] of Object.entries(schema)) {
    if (k === "anyOf" || k === "allOf" || k === "oneOf" || k === "not") found.push(`${path}/${k}`);
    if (k === "type" && Array.isArray(v)) found.push(`${path}/type is an array`);
    found.push(...forbiddenConstructs(v, `${path}/${k}`));
  }
  return found;
}

describe("catalog", () => {
  it("has unique snake_case names and getTool finds each", () => {
    const names = builtinTools.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    for (const t of builtinTools) {
      expect(t.name).toMatch(/^[a-z][a-z0-9_]{0,63}$/);
      expect(getTool(t.name)).toBe(t);
    }
    expect(getTool("no_such_tool")).toBeUndefined();
  });

  it.each(builtinTools.map((t) => [t.name, t] as const))(
    "%s converts to plain JSON Schema (no anyOf/allOf/oneOf, one type)",
    (_n, tool) => {
      for (const io of ["input", "output"] as const) {
        const input = z.toJSONSchema(tool.inputSchema, { io });
        expect(input.type).toBe("object");
        expect(forbiddenConstructs(input)).toEqual([]);
        if (tool.outputSchema)
          expect(forbiddenConstructs(z.toJSONSchema(tool.outputSchema, { io }))).toEqual([]);
      }
    },
  );

  it.each(builtinTools.map((t) => [t.name, t] as const))(
    "%s has honest, consistent metadata",
    (_n, tool) => {
      expect(tool.title.length).toBeGreaterThan(2);
      expect(tool.description.length).toBeGreaterThan(20);
      expect(["read", "write", "privileged"]).toContain(tool.risk);
      const a = tool.annotations;
      // A read tool is read-only and changes nothing; a write tool is not read-only.
      expect(a.readOnlyHint).toBe(tool.risk === "read");
      if (a.readOnlyHint) {
        expect(a.destructiveHint).toBe(false);
        expect(a.idempotentHint).toBe(true);
      }
      // Every described property says what it is for.
      const props =
        (
          z.toJSONSchema(tool.inputSchema) as {
            properties?: Record<string, { description?: string }>;
          }
        ).properties ?? {};
      for (const [name, prop] of Object.entries(props))
        expect(prop.description, `${tool.name}.${name}`).toBeTruthy();
    },
  );

  it("the checker itself catches unions, nullables and multi-type parameters", () => {
    expect(
      forbiddenConstructs(z.toJSONSchema(z.object({ a: z.union([z.string(), z.number()]) }))),
    ).not.toEqual([]);
    expect(forbiddenConstructs(z.toJSONSchema(z.object({ a: z.string().nullable() })))).not.toEqual(
      [],
    );
    expect(
      forbiddenConstructs({ type: "object", properties: { a: { type: ["string", "null"] } } }),
    ).not.toEqual([]);
  });
});

import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { UpstreamMcpConfig } from "@/lib/tool-backends";
import { ToolError } from "@/mcp-server/catalog/types";
import { federatedName } from "@/mcp-server/providers/upstream-mcp/names";
import { outputOf } from "@/mcp-server/providers/upstream-mcp/result";
import { annotationsOf, riskOf } from "@/mcp-server/providers/upstream-mcp/risk";
import { inputSchemaOf } from "@/mcp-server/providers/upstream-mcp/schema";
import { offeredTools } from "@/mcp-server/providers/upstream-mcp/source";
import { nonPlainSchemaParts } from "@/mcp-server/tool-schema";

/** How an upstream's tools/list entries become (or do not become) catalog tools. */

const config = (over: Partial<UpstreamMcpConfig> = {}): UpstreamMcpConfig => ({
  id: "crm",
  url: "http://127.0.0.1:9/mcp",
  auth: { type: "none" },
  tools: [],
  risks: {},
  refreshSeconds: 300,
  ...over,
});
const upstream = (name: string, over: Partial<Tool> = {}): Tool => ({
  name,
  inputSchema: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
  ...over,
});
const offer = (tools: Tool[], over: Partial<UpstreamMcpConfig> = {}) =>
  offeredTools("mcp:crm", config({ tools: tools.map((t) => t.name), ...over }), tools);

describe("upstream tool names", () => {
  it("are_prefixed_and_sanitized_to_letters_digits_underscore_and_hyphen", () => {
    expect(federatedName("crm", "find-customer")).toEqual({
      ok: true,
      name: "mcp_crm_find-customer",
    });
    expect(federatedName("crm", "notes.create v2/ä")).toEqual({
      ok: true,
      name: "mcp_crm_notes_create_v2__",
    });
  });

  it("longer_than_64_characters_are_refused_not_cut", () => {
    expect(federatedName("crm", "x".repeat(56))).toMatchObject({ ok: true });
    expect(federatedName("crm", "x".repeat(57))).toEqual({
      ok: false,
      reason: "its name would be 65 characters (at most 64)",
    });
    expect(offer([upstream("y".repeat(80)), upstream("ok")]).map((t) => t.name)).toEqual([
      "mcp_crm_ok",
    ]);
  });

  it("that_collide_after_sanitizing_are_all_left_out_whatever_the_order", () => {
    const a = upstream("notes.create");
    const b = upstream("notes_create");
    expect(offer([a, b, upstream("other")]).map((t) => t.name)).toEqual(["mcp_crm_other"]);
    expect(offer([b, a, upstream("other")]).map((t) => t.name)).toEqual(["mcp_crm_other"]);
  });

  it("only_allowlisted_tools_are_offered", () => {
    const listed = [upstream("a"), upstream("b"), upstream("c")];
    expect(
      offeredTools("mcp:crm", config({ tools: ["c", "a", "z"] }), listed).map((t) => t.name),
    ).toEqual(["mcp_crm_a", "mcp_crm_c"]);
  });
});

describe("upstream risk and annotations", () => {
  it("read_only_is_read_and_everything_else_write_with_spec_defaults_for_missing_hints", () => {
    const none = annotationsOf(undefined);
    expect(none).toEqual({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: false,
      openWorldHint: true,
    });
    expect(riskOf(none, undefined).risk).toBe("write");
    const read = annotationsOf({ readOnlyHint: true });
    expect(read).toEqual({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: true,
    });
    expect(riskOf(read, undefined).risk).toBe("read");
    // What the upstream says explicitly is shown as it says it.
    expect(annotationsOf({ destructiveHint: false, openWorldHint: false })).toEqual({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
      openWorldHint: false,
    });
  });

  it("configured_risks_raise_but_never_lower", () => {
    const read = annotationsOf({ readOnlyHint: true });
    const write = annotationsOf({});
    expect(riskOf(read, "write")).toEqual({ risk: "write", raised: true, loweringIgnored: false });
    expect(riskOf(write, "privileged").risk).toBe("privileged");
    expect(riskOf(write, "read")).toEqual({ risk: "write", raised: false, loweringIgnored: true });
    const [lowered] = offer([upstream("wipe")], { risks: { wipe: "read" } });
    expect(lowered?.risk).toBe("write");
  });

  it("a_raised_tool_is_never_repeated_within_a_call_and_others_keep_the_backend_s_bounds", () => {
    const [raised, plain] = offer(
      [
        upstream("peek", { annotations: { readOnlyHint: true } }),
        upstream("look", { annotations: { readOnlyHint: true } }),
      ],
      { risks: { peek: "write" }, retries: 3, timeoutMs: 4_000 },
    );
    expect(raised).toMatchObject({ risk: "write", resilience: { timeoutMs: 4_000, retries: 0 } });
    expect(plain).toMatchObject({ risk: "read", resilience: { timeoutMs: 4_000, retries: 3 } });
  });

  it("tools_that_only_run_as_tasks_are_left_out", () => {
    expect(offer([upstream("job", { execution: { taskSupport: "required" } })])).toEqual([]);
  });
});

describe("upstream input schemas", () => {
  const reasonOf = (schema: unknown) => {
    const r = inputSchemaOf(schema);
    return r.ok ? "plain" : r.reason;
  };

  it("plain_schemas_become_strict_zod_that_converts_back_to_plain_json_schema", () => {
    const r = inputSchemaOf({
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      properties: {
        q: { type: "string", description: "What to find", minLength: 1 },
        limit: { type: ["integer", "null"], maximum: 50 },
        kind: { const: "person" },
        tags: { type: "array", items: { type: "string" } },
      },
      required: ["q"],
      additionalProperties: false,
    });
    if (!r.ok) throw new Error(r.reason);
    expect(r.schema.safeParse({ q: "x", limit: 5, kind: "person", tags: ["a"] }).success).toBe(
      true,
    );
    expect(r.schema.safeParse({ q: "x", extra: 1 }).success).toBe(false);
    expect(r.schema.safeParse({ q: "x", kind: "company" }).success).toBe(false);
    expect(r.schema.safeParse({ q: "x", limit: 51 }).success).toBe(false);
    const back = z.toJSONSchema(r.schema, { io: "input" });
    expect(nonPlainSchemaParts(back)).toEqual([]);
  });

  it.each([
    [
      "anyOf",
      { type: "object", properties: { q: { anyOf: [{ type: "string" }, { type: "number" }] } } },
      "inputSchema.q: anyOf cannot be expressed as a plain tool schema.",
    ],
    [
      "oneOf",
      { type: "object", properties: { q: { oneOf: [{ type: "string" }] } } },
      "inputSchema.q: oneOf cannot be expressed as a plain tool schema.",
    ],
    [
      "a_multi_type",
      { type: "object", properties: { q: { type: ["string", "number"] } } },
      'inputSchema.q: multi-type ["string","number"] cannot be expressed as a plain tool schema.',
    ],
    [
      "a_ref",
      {
        type: "object",
        properties: { q: { $ref: "#/$defs/Q" } },
        $defs: { Q: { type: "string" } },
      },
      "inputSchema.q: unresolved $ref #/$defs/Q.",
    ],
    [
      "a_map",
      {
        type: "object",
        properties: { m: { type: "object", additionalProperties: { type: "string" } } },
      },
      "inputSchema.m: additionalProperties with a schema (a map) cannot be expressed.",
    ],
    [
      "pattern_properties",
      { type: "object", patternProperties: { "^x": { type: "string" } } },
      "inputSchema: patternProperties cannot be expressed as a plain tool schema.",
    ],
  ])("refuses_%s_saying_where", (_name, schema, reason) => {
    expect(reasonOf(schema)).toBe(reason);
  });

  it("a_tool_with_a_non_plain_schema_is_left_out_and_the_others_stay", () => {
    const bad = upstream("bad", {
      inputSchema: { type: "object", properties: { q: { anyOf: [{ type: "string" }] } } },
    });
    expect(offer([bad, upstream("good")]).map((t) => t.name)).toEqual(["mcp_crm_good"]);
  });

  it("a_non_plain_output_schema_keeps_the_tool_and_sends_text", () => {
    const [t] = offer([
      upstream("stats", {
        outputSchema: { type: "object", properties: { n: { oneOf: [{ type: "number" }] } } },
      }),
    ]);
    expect(t?.name).toBe("mcp_crm_stats");
    expect(t?.outputSchema).toBeUndefined();
  });
});

describe("upstream results", () => {
  const out = (result: CallToolResult, schema?: z.ZodObject) =>
    outputOf("mcp:crm", "find", result, schema);

  it("content_becomes_readable_text", () => {
    expect(
      out({
        content: [
          { type: "text", text: "Found 2." },
          { type: "image", data: "iVBORw0KGgo=", mimeType: "image/png" },
          { type: "resource_link", uri: "https://crm.example/c/1", name: "Customer 1" },
          { type: "resource", resource: { uri: "mem://a", text: "inline text" } },
          {
            type: "resource",
            resource: { uri: "mem://b", blob: "AAAA", mimeType: "application/pdf" },
          },
        ],
      }),
    ).toBe(
      "Found 2.\n\n[image (image/png) not shown]\n\n[Customer 1: https://crm.example/c/1]\n\ninline text\n\n[resource mem://b (application/pdf) not shown]",
    );
  });

  it("structured_content_is_checked_against_the_output_schema", () => {
    const schema = z.object({ id: z.string() });
    expect(out({ content: [], structuredContent: { id: "C-1", extra: true } }, schema)).toEqual({
      id: "C-1",
    });
    const err = (() => {
      try {
        out({ content: [{ type: "text", text: "{}" }] }, schema);
      } catch (e) {
        return e as ToolError;
      }
    })();
    expect(err).toMatchObject({ code: "provider_error", details: { retriable: false } });
  });

  it("is_error_is_a_provider_error_retriable_only_when_the_upstream_says_so", () => {
    const fail = (result: CallToolResult) => {
      try {
        out(result);
      } catch (e) {
        return e as ToolError;
      }
      throw new Error("did not fail");
    };
    expect(
      fail({ isError: true, content: [{ type: "text", text: "No such customer." }] }),
    ).toMatchObject({
      code: "provider_error",
      message: "find on the mcp:crm MCP server failed: No such customer.",
      details: { retriable: false, provider: "mcp:crm" },
    });
    expect(
      fail({
        isError: true,
        content: [{ type: "text", text: JSON.stringify({ message: "busy", retriable: true }) }],
      }).details.retriable,
    ).toBe(true);
    expect(
      fail({ isError: true, content: [{ type: "text", text: "x".repeat(5_000) }] }).message,
    ).toHaveLength("find on the mcp:crm MCP server failed: ".length + 1_001);
  });
});

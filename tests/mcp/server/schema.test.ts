import { describe, expect, it } from "vitest";
import { ROLES } from "@/lib/identity/principal";
import { builtinTools } from "@/mcp-server/catalog";
import { describeTool, toMcpTool } from "@/mcp-server/describe";
import { foundryMcpTool } from "@/mcp-server/foundry-tool";
import { APP_ROLES, allowlistedTools, approvalFor } from "@/mcp-server/policy";
import { inputJsonSchema, nonPlainSchemaParts, outputJsonSchema } from "@/mcp-server/tool-schema";

describe("tool JSON Schemas", () => {
  it.each(builtinTools.map((t) => [t.name, t] as const))(
    "%s converts to plain JSON Schema (no anyOf/allOf/oneOf, one type each)",
    (_name, tool) => {
      const input = inputJsonSchema(tool);
      expect(input.type).toBe("object");
      expect(input.$schema).toBeUndefined();
      expect(nonPlainSchemaParts(input)).toEqual([]);
      const output = outputJsonSchema(tool);
      if (output) expect(output.type).toBe("object");
    },
  );

  it("finds what Foundry refuses, wherever it is nested", () => {
    const schema = {
      type: "object",
      properties: {
        a: { anyOf: [{ type: "string" }, { type: "null" }] },
        b: { type: ["string", "null"] },
        c: { type: "array", items: { oneOf: [] } },
      },
      allOf: [],
    };
    expect(nonPlainSchemaParts(schema).sort()).toEqual([
      "/allOf",
      "/properties/a/anyOf",
      "/properties/b/type",
      "/properties/c/items/oneOf",
    ]);
  });

  it("describes tools for /api/tools and tools/list with risk and approval from the policy", () => {
    const sms = builtinTools.find((t) => t.name === "twilio_send_sms")!;
    expect(describeTool(sms)).toMatchObject({
      name: "twilio_send_sms",
      risk: "write",
      approval: "always",
      provider: "twilio",
      annotations: sms.annotations,
    });
    const listed = toMcpTool(sms);
    expect(listed.annotations).toMatchObject({
      title: sms.title,
      readOnlyHint: false,
      destructiveHint: false,
    });
    expect(listed._meta).toMatchObject({
      "io.foundry-agent-chat/risk": "write",
      "io.foundry-agent-chat/approval": "always",
    });
    expect(listed.outputSchema?.type).toBe("object");
  });
});

describe("Foundry MCP tool definition", () => {
  it("lists the allowlist and splits require_approval by the policy", () => {
    const def = foundryMcpTool({
      serverUrl: "https://chat.contoso.com/api/mcp",
      projectConnectionId: "conn-1",
    });
    const names = allowlistedTools().map((t) => t.name);
    expect(def).toMatchObject({
      type: "mcp",
      server_label: "foundry_agent_chat",
      server_url: "https://chat.contoso.com/api/mcp",
      project_connection_id: "conn-1",
    });
    expect(def.allowed_tools).toEqual(names);
    expect(
      [
        ...def.require_approval.never!.tool_names,
        ...def.require_approval.always!.tool_names,
      ].sort(),
    ).toEqual([...names].sort());
    for (const t of allowlistedTools()) {
      expect(def.require_approval[approvalFor(t)]!.tool_names).toContain(t.name);
    }
    expect(def.require_approval.never!.tool_names).toContain("tavily_search");
    expect(def.require_approval.always!.tool_names).toEqual(
      expect.arrayContaining(["twilio_send_sms", "planner_delete_task"]),
    );
    expect(def.server_label).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("narrows to what one principal may call and leaves out an empty approval side", () => {
    const readOnly = {
      userId: "k",
      tenantId: "t",
      username: "k",
      name: "k",
      roles: [APP_ROLES.read],
      scopes: [],
      kind: "app" as const,
      token: "",
    };
    const def = foundryMcpTool({ principal: readOnly, serverUrl: "https://x/api/mcp" });
    expect(def.require_approval.always).toBeUndefined();
    expect(def.allowed_tools).toEqual(def.require_approval.never!.tool_names);
    expect(def.allowed_tools).not.toContain("twilio_send_sms");
    expect(def.project_connection_id).toBeUndefined();
    const carol = {
      ...readOnly,
      kind: "user" as const,
      roles: [ROLES.approver],
      scopes: ["access_as_user"],
    };
    expect(foundryMcpTool({ principal: carol }).allowed_tools).toContain("planner_delete_task");
  });
});

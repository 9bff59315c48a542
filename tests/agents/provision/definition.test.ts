import { describe, expect, it } from "vitest";
import { diffVersion, managedView } from "@/lib/agents/provision/compare";
import { buildAgentVersion } from "@/lib/agents/provision/definition";
import { parseAgentSpec } from "@/lib/agents/provision/spec";
import { builtinTools } from "@/mcp-server/catalog";
import { allowlistedTools } from "@/mcp-server/policy";

const ctx = { serverUrl: "https://chat.contoso.com/api/mcp", serverLabel: "foundry_agent_chat" };
const spec = parseAgentSpec(
  "name: assistant\nmodel: gpt-4.1-mini\ninstructions: Help.\nconnection: mcp-oauth\n",
  "assistant.yaml",
);

describe("agent files", () => {
  it("json_and_yaml_files_give_the_same_spec", () => {
    const json = parseAgentSpec(
      JSON.stringify({
        name: "assistant",
        model: "gpt-4.1-mini",
        instructions: "Help.",
        connection: "mcp-oauth",
      }),
      "assistant.json",
    );
    expect(json).toEqual(spec);
  });

  it("an_unknown_field_or_bad_name_is_refused_naming_the_field", () => {
    expect(() =>
      parseAgentSpec("name: assistant\nmodel: m\ninstructions: x\ntool: [a]\n", "a.yaml"),
    ).toThrow(/a\.yaml is not a valid agent definition:[\s\S]*tool/);
    expect(() => parseAgentSpec("name: -bad-\nmodel: m\ninstructions: x\n", "b.yaml")).toThrow(
      /name: Use letters/,
    );
    expect(() => parseAgentSpec("name: [", "c.yaml")).toThrow(/c\.yaml is not valid YAML/);
  });
});

describe("buildAgentVersion", () => {
  it("generates_the_mcp_tool_from_the_policy_with_the_connection", () => {
    const v = buildAgentVersion(spec, { ...ctx, projectConnectionId: "mcp-oauth" });
    expect(v.definition).toMatchObject({
      kind: "prompt",
      model: "gpt-4.1-mini",
      instructions: "Help.",
    });
    const [tool] = v.definition.tools;
    expect(tool!.allowed_tools).toEqual(allowlistedTools(builtinTools).map((t) => t.name));
    expect(tool!.project_connection_id).toBe("mcp-oauth");
    expect(tool!.server_url).toBe(ctx.serverUrl);
  });

  it("a_tools_list_narrows_the_tool_and_keeps_the_policys_approvals", () => {
    const narrowed = buildAgentVersion(
      { ...spec, tools: ["tavily_search", "twilio_send_sms"] },
      ctx,
    );
    expect(narrowed.definition.tools[0]).toMatchObject({
      allowed_tools: ["tavily_search", "twilio_send_sms"],
      require_approval: {
        never: { tool_names: ["tavily_search"] },
        always: { tool_names: ["twilio_send_sms"] },
      },
    });
  });

  it("the_model_flag_overrides_the_file", () => {
    expect(buildAgentVersion(spec, { ...ctx, model: "gpt-5.2" }).definition.model).toBe("gpt-5.2");
  });
});

describe("diffVersion", () => {
  const desired = buildAgentVersion(spec, ctx);

  it("fields_the_service_adds_or_nulls_do_not_count_as_changes", () => {
    const stored = {
      version: "4",
      description: "",
      definition: {
        ...desired.definition,
        temperature: 1,
        rai_config: null,
        tools: desired.definition.tools.map((t) => ({ ...t, headers: null, tunnel_id: undefined })),
      },
    };
    expect(managedView(stored)).toEqual(managedView(desired));
    expect(diffVersion(stored, desired)).toEqual({ changed: false, text: "" });
  });

  it("a_removed_tool_in_the_stored_version_shows_as_a_change", () => {
    const tool = desired.definition.tools[0]!;
    const stored = {
      version: "4",
      definition: {
        ...desired.definition,
        tools: [{ ...tool, allowed_tools: tool.allowed_tools.slice(1) }],
      },
    };
    const d = diffVersion(stored, desired);
    expect(d.changed).toBe(true);
    expect(d.text).toContain(`+        - ${tool.allowed_tools[0]}`);
  });
});

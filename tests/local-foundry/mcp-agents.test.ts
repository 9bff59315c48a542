import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { seedAgents, seedLocalAgents } from "@/lib/local-foundry/seed";
import { createAgentIfAbsent, listAgentVersions } from "@/lib/local-foundry/store/agents";
import { needsApproval, type McpTool } from "@/lib/local-foundry/tools/definition";
import { startHarness, type Harness } from "./harness";
import { toolTestEnv } from "./mcp-helpers";

const mcp = (extra: Record<string, unknown> = {}) => ({
  type: "mcp",
  server_label: "dealer",
  server_url: "https://mcp.example.com/api/mcp",
  require_approval: { never: { tool_names: ["search"] } },
  ...extra,
});

describe("local agent service: agents with MCP tools", () => {
  let h: Harness;
  beforeAll(async () => {
    toolTestEnv();
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it("lets only Admins create and delete agents (403 otherwise); reading stays open", async () => {
    const def = { kind: "prompt", model: "scripted" } as const;
    await expect(h.project("alice").agents.createVersion("mine", def)).rejects.toMatchObject({
      statusCode: 403,
      code: "permission_denied",
    });
    await h.project("dana").agents.createVersion("shared", def);
    await expect(h.project("alice").agents.deleteVersion("shared", "1")).rejects.toMatchObject({
      statusCode: 403,
    });
    await expect(h.project("carol").agents.delete("shared")).rejects.toMatchObject({
      statusCode: 403,
    });
    expect((await h.project("alice").agents.get("shared")).name).toBe("shared");
  });

  it("validates the mcp tool (400 naming the field) and stores a valid one as given", async () => {
    const dana = h.project("dana");
    const bad = [
      mcp({ server_url: "not a url" }),
      mcp({ require_approval: "sometimes" }),
      mcp({ server_label: "has spaces" }),
      mcp({ allowed_tools: "all" }),
      mcp({ require_approval: { sometimes: { tool_names: [] } } }),
    ];
    for (const tool of bad) {
      await expect(
        dana.agents.createVersion("bad-mcp", {
          kind: "prompt",
          model: "scripted",
          tools: [tool],
        } as never),
      ).rejects.toMatchObject({ statusCode: 400 });
    }
    const res = await fetch(`${h.endpoint}/agents/bad-mcp/versions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await h.token("dana")}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        definition: { kind: "prompt", model: "m", tools: [mcp({ require_approval: 1 })] },
      }),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({
      type: "invalid_request_error",
      param: "definition.tools.0.require_approval",
    });

    const good = mcp({ allowed_tools: ["search", "send"], headers: { "x-api-key": "k" } });
    const v = await dana.agents.createVersion("good-mcp", {
      kind: "prompt",
      model: "scripted",
      tools: [good],
    } as never);
    expect((v.definition as { tools: unknown[] }).tools).toEqual([good]);
  });

  it("asks for approval by default: tools named in neither list need it", () => {
    const tool = mcp() as unknown as McpTool;
    expect(needsApproval(tool, "search")).toBe(false);
    expect(needsApproval(tool, "send")).toBe(true);
    expect(needsApproval({ ...tool, require_approval: "never" }, "send")).toBe(false);
    expect(needsApproval({ ...tool, require_approval: undefined }, "search")).toBe(true);
    expect(
      needsApproval(
        { ...tool, require_approval: { always: { tool_names: ["search"] } } },
        "search",
      ),
    ).toBe(true);
  });

  it("seeds MCP tools from the policy, limits the example agent to reads that never ask", async () => {
    const [main, example] = seedAgents();
    const tool = (main!.version.definition as { tools: McpTool[] }).tools[0]!;
    expect(tool).toMatchObject({ type: "mcp", server_url: `${h.url()}/api/mcp` });
    expect(tool.allowed_tools).toContain("twilio_send_sms");
    const read = (example!.version.definition as { tools: McpTool[] }).tools[0]!;
    expect(read.require_approval).toBe("never");
    expect(read.allowed_tools).toContain("tavily_search");
    expect(read.allowed_tools).toContain("openapi_dealer_list_bookings");
    expect(read.allowed_tools).not.toContain("openapi_dealer_create_payment");
    expect(read.allowed_tools).not.toContain("twilio_send_sms");
  });

  it("adds a new version to a seeded agent that predates tools, once, even when seeders race", async () => {
    const db = await getDb();
    await createAgentIfAbsent(db, "old-seeded", {
      definition: { kind: "prompt", model: "scripted" },
      metadata: { seeded: "true" },
    });
    // Only the configured seed agents are upgraded; simulate an old default agent instead.
    const { name } = seedAgents()[0]!;
    const { deleteAgent } = await import("@/lib/local-foundry/store/agents");
    await deleteAgent(db, name);
    await createAgentIfAbsent(db, name, {
      description: "General assistant (local agent service)",
      definition: { kind: "prompt", model: "scripted", instructions: "old" },
      metadata: { seeded: "true" },
    });
    await Promise.all([seedLocalAgents(db), seedLocalAgents(db), seedLocalAgents(db)]);
    await seedLocalAgents(db);
    const versions = await listAgentVersions(db, name);
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect((versions[1]!.definition as { tools: unknown[] }).tools).toHaveLength(1);
    expect(await listAgentVersions(db, "old-seeded")).toHaveLength(1);
  });
});

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAgentsCommand } from "@/lib/agents/provision/command";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { POLICY, type Policy } from "@/mcp-server/policy";
import { startTestApp, type TestApp } from "../../helpers/app";

/** The CLI against the embedded agent service (/local-foundry), through the same SDK as Foundry. */
let app: TestApp;
let dir: string;
const file = (name: string) => path.join(dir, name);

function writeAgent(instructions: string, extra: string[] = []) {
  fs.writeFileSync(
    file("ops.yaml"),
    [
      "name: ops-assistant",
      "model: scripted",
      `instructions: ${JSON.stringify(instructions)}`,
      "connection: mcp-key",
      ...extra,
    ].join("\n"),
  );
}

async function run(argv: string[], policy?: Policy) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAgentsCommand(argv, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    policy,
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

type StoredVersion = {
  version: string;
  definition: {
    tools: {
      project_connection_id?: string;
      require_approval: Record<"always" | "never", { tool_names: string[] }>;
    }[];
  };
};

async function versionsOf(name: string): Promise<StoredVersion[]> {
  const token = await mintLocalAccessToken({ username: "alice", audience: "foundry" });
  const res = await fetch(`${app.url}/local-foundry/agents/${name}/versions?api-version=v1`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (res.status === 404) return [];
  return ((await res.json()) as { data: StoredVersion[] }).data;
}

beforeAll(async () => {
  app = await startTestApp();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "fac-agents-"));
});
afterAll(async () => {
  await app?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("agents CLI against the local agent service", () => {
  it("diff_of_a_new_agent_exits_1_then_provision_creates_version_1_and_diff_is_equal", async () => {
    writeAgent("Help the operations team.");
    const before = await run(["diff", "--file", file("ops.yaml")]);
    expect(before.code).toBe(1);
    expect(before.out).toContain("ops-assistant (none yet)");
    expect(await versionsOf("ops-assistant")).toEqual([]);

    const provisioned = await run(["provision", "--file", file("ops.yaml")]);
    expect(provisioned.err).toBe("");
    expect(provisioned.code).toBe(0);
    expect(provisioned.out).toContain("ops-assistant: created version 1.");

    const [v1] = await versionsOf("ops-assistant");
    expect(v1!.definition.tools[0]).toMatchObject({
      type: "mcp",
      server_url: `${app.url}/api/mcp`,
      project_connection_id: "mcp-key",
    });

    const after = await run(["diff", "--file", file("ops.yaml")]);
    expect(after.code).toBe(0);
    expect(after.out).toContain("ops-assistant: up to date (version 1).");
  });

  it("provision_without_changes_creates_no_new_version", async () => {
    const again = await run(["provision", "--file", file("ops.yaml")]);
    expect(again.code).toBe(0);
    expect(await versionsOf("ops-assistant")).toHaveLength(1);
  });

  it("changed_instructions_show_in_diff_and_provision_adds_version_2", async () => {
    writeAgent("Help the operations team. Be brief.");
    const diff = await run(["diff", "--file", file("ops.yaml")]);
    expect(diff.code).toBe(1);
    expect(diff.out).toContain("--- ops-assistant version 1");
    expect(diff.out).toMatch(/^-\s+instructions: Help the operations team\.$/m);
    expect(diff.out).toMatch(/^\+\s+instructions: Help the operations team\. Be brief\.$/m);

    expect((await run(["provision", "--file", file("ops.yaml")])).code).toBe(0);
    expect(await versionsOf("ops-assistant")).toHaveLength(2);
    expect((await run(["diff", "--file", file("ops.yaml")])).code).toBe(0);
  });

  it("a_policy_change_shows_in_diff_and_provision_follows_it", async () => {
    // Web search now needs approval: the generated require_approval moves it to `always`.
    const stricter: Policy = {
      ...POLICY,
      overrides: [...POLICY.overrides, { match: "tavily_search", risk: "write", why: "test" }],
    };
    const diff = await run(["diff", "--file", file("ops.yaml")], stricter);
    expect(diff.code).toBe(1);
    expect(diff.out).toMatch(/^-\s+- tavily_search$/m); // left `never`
    expect(diff.out).toMatch(/^\+\s+- tavily_search$/m); // joined `always`

    expect((await run(["provision", "--file", file("ops.yaml")], stricter)).code).toBe(0);
    const latest = (await versionsOf("ops-assistant")).find((v) => v.version === "3")!;
    expect(latest.definition.tools[0]!.require_approval.always.tool_names).toContain(
      "tavily_search",
    );
    expect(latest.definition.tools[0]!.require_approval.never.tool_names).not.toContain(
      "tavily_search",
    );
    expect((await run(["diff", "--file", file("ops.yaml")], stricter)).code).toBe(0);
    // Back to the real policy: the agent is now out of date again.
    expect((await run(["diff", "--file", file("ops.yaml")])).code).toBe(1);
  });

  it("a_tool_the_policy_does_not_allow_is_refused_before_anything_is_sent", async () => {
    writeAgent("Help.", ["tools: [tavily_search, rm_rf]"]);
    const res = await run(["provision", "--file", file("ops.yaml")]);
    expect(res.code).toBe(2);
    expect(res.err).toContain("rm_rf");
    expect(await versionsOf("ops-assistant")).toHaveLength(3);
  });

  it("provisioning_as_a_user_without_the_admin_role_is_refused", async () => {
    writeAgent("Help.");
    const res = await run(["provision", "--file", file("ops.yaml"), "--as", "alice"]);
    expect(res.code).toBe(2);
    expect(res.err).toContain("Admin");
  });

  it("bad_arguments_exit_2_with_the_usage", async () => {
    const res = await run(["deploy"]);
    expect(res.code).toBe(2);
    expect(res.err).toContain("Usage:");
    const missing = await run(["diff", "--file", file("missing.yaml")]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("Cannot read the agent file");
  });
});

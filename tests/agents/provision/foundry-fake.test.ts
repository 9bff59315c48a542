import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { resetConfig } from "@/lib/config";
import { runAgentsCommand } from "@/lib/agents/provision/command";
import { allowlistedTools, approvalFor } from "@/mcp-server/policy";
import { builtinTools } from "@/mcp-server/catalog";
import { readJson, sendJson, serveTls, type TlsFake } from "../../helpers/tls";

/**
 * Foundry as the SDK sees it over HTTPS: the request shapes the provisioning CLI sends are the
 * ones in the recorded Foundry traffic (POST /agents/{name}/versions?api-version=v1 with
 * `{ definition: { kind: "prompt", model, instructions, tools: [{ type: "mcp", ... }] } }`).
 */
const PROJECT = "/api/projects/test-project";
const CONNECTION_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/acct/projects/test-project/connections/mcp-oauth";

type Seen = { method: string; path: string; query: URLSearchParams; auth?: string; body: unknown };
const seen: Seen[] = [];
const versions: Record<string, unknown>[] = [];
let foundry: TlsFake;
let dir: string;

const credential = {
  getToken: async () => ({ token: "foundry-token", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAgentsCommand(argv, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    credential,
    clientOptions: { tlsOptions: { ca: foundry.ca } },
    cwd: dir,
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

beforeAll(async () => {
  foundry = await serveTls(async (req, res) => {
    const url = new URL(req.url!, "https://foundry.test");
    const body = await readJson(req);
    seen.push({
      method: req.method!,
      path: url.pathname,
      query: url.searchParams,
      auth: req.headers.authorization,
      body,
    });
    const rest = url.pathname.slice(PROJECT.length);
    if (req.method === "GET" && rest === "/connections/mcp-oauth") {
      return sendJson(res, 200, {
        name: "mcp-oauth",
        id: CONNECTION_ID,
        type: "RemoteTool",
        target: "https://chat.contoso.com/api/mcp",
        isDefault: false,
        credentials: { type: "OAuth2" },
        metadata: {},
      });
    }
    if (req.method === "GET" && rest === "/agents/assistant") {
      const latest = versions.at(-1);
      if (!latest) {
        return sendJson(res, 404, {
          error: { code: "not_found", message: "Agent assistant not found." },
        });
      }
      return sendJson(res, 200, {
        object: "agent",
        id: "assistant",
        name: "assistant",
        versions: { latest },
      });
    }
    if (req.method === "POST" && rest === "/agents/assistant/versions") {
      const b = body as { definition: unknown; description?: string; metadata?: object };
      const version = {
        metadata: b.metadata ?? {},
        object: "agent.version",
        id: `assistant:${versions.length + 1}`,
        name: "assistant",
        version: String(versions.length + 1),
        description: b.description ?? "",
        created_at: 1773770328,
        definition: b.definition,
      };
      versions.push(version);
      return sendJson(res, 200, version);
    }
    sendJson(res, 404, { error: { code: "not_found", message: `No route ${url.pathname}` } });
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "fac-agents-"));
  fs.writeFileSync(
    path.join(dir, "assistant.yaml"),
    [
      "name: assistant",
      "description: General assistant",
      "model: gpt-4.1-mini",
      "instructions: Use the tools of the MCP server.",
      "connection: mcp-oauth",
    ].join("\n"),
  );
  Object.assign(process.env, {
    FOUNDRY_PROJECT_ENDPOINT: `${foundry.url}${PROJECT}`,
    APP_URL: "https://chat.contoso.com",
  });
  resetConfig();
});

afterAll(async () => {
  await foundry?.close();
  fs.rmSync(dir, { recursive: true, force: true });
  resetConfig();
});

beforeEach(() => {
  seen.length = 0;
});

describe("agents CLI against Foundry (HTTPS fake asserting the request shapes)", () => {
  it("provision_sends_the_documented_create_version_request", async () => {
    const { code, out } = await run("provision", "--file", "assistant.yaml");
    expect(code).toBe(0);
    expect(out).toContain("assistant: created version 1.");

    // Every request: bearer token from the credential, api-version v1 (the recordings' version).
    for (const r of seen) {
      expect(r.auth).toBe("Bearer foundry-token");
      expect(r.query.get("api-version")).toBe("v1");
    }
    expect(seen.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET ${PROJECT}/connections/mcp-oauth`,
      `GET ${PROJECT}/agents/assistant`,
      `POST ${PROJECT}/agents/assistant/versions`,
    ]);
    const body = seen[2]!.body as {
      definition: { kind: string; model: string; instructions: string; tools: unknown[] };
      description: string;
      metadata: Record<string, string>;
    };
    expect(body.definition.kind).toBe("prompt");
    expect(body.definition.model).toBe("gpt-4.1-mini");
    expect(body.definition.instructions).toBe("Use the tools of the MCP server.");
    expect(body.description).toBe("General assistant");
    expect(body.metadata).toEqual({ provisioned_by: "foundry-agent-chat" });
    expect(body.definition.tools).toHaveLength(1);

    // The tool is the policy's: every allowlisted tool, each listed under its approval.
    const allowed = allowlistedTools(builtinTools);
    const names = (a: "never" | "always") =>
      allowed.filter((t) => approvalFor(t) === a).map((t) => t.name);
    expect(body.definition.tools[0]).toEqual({
      type: "mcp",
      server_label: "foundry_agent_chat",
      server_url: "https://chat.contoso.com/api/mcp",
      server_description: expect.any(String),
      allowed_tools: allowed.map((t) => t.name),
      require_approval: {
        never: { tool_names: names("never") },
        always: { tool_names: names("always") },
      },
      project_connection_id: CONNECTION_ID,
    });
    expect(names("always")).toContain("twilio_send_sms");
  });

  it("provision_twice_creates_no_new_version_and_diff_is_equal", async () => {
    const again = await run("provision", "--file", "assistant.yaml");
    expect(again.code).toBe(0);
    expect(again.out).toContain("assistant: up to date (version 1).");
    expect(seen.some((r) => r.method === "POST")).toBe(false);

    const diff = await run("diff", "--file", "assistant.yaml");
    expect(diff.code).toBe(0);
    expect(versions).toHaveLength(1);
  });

  it("diff_with_another_model_exits_1_and_sends_nothing", async () => {
    const diff = await run("diff", "--file", "assistant.yaml", "--model", "gpt-5.2");
    expect(diff.code).toBe(1);
    expect(diff.out).toMatch(/^-\s+model: gpt-4\.1-mini$/m);
    expect(diff.out).toMatch(/^\+\s+model: gpt-5\.2$/m);
    expect(seen.some((r) => r.method === "POST")).toBe(false);
  });

  it("unknown_connection_is_reported_and_nothing_is_created", async () => {
    const { code, err } = await run(
      "provision",
      "--file",
      "assistant.yaml",
      "--connection",
      "nope",
    );
    expect(code).toBe(2);
    expect(err).toContain('no connection named "nope"');
    expect(seen.some((r) => r.method === "POST")).toBe(false);
  });
});

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { ROLES } from "@/lib/identity/principal";
import { catalogTools } from "@/mcp-server/catalog";
import { configuredToolSources } from "@/mcp-server/catalog/configured-sources";
import { setToolSources, toolSourceStatus } from "@/mcp-server/catalog/sources";
import { META } from "@/mcp-server/describe";
import { serve, type TestServer } from "../../../helpers/serve";
import {
  approveCall,
  auditRows,
  bearer,
  errorOf,
  mcpClient,
  startMcpServer,
  type McpTestServer,
} from "../../server/harness";
import { captureLogs, CRM_DOCUMENT } from "./helpers";

/**
 * A backend configured in TOOL_BACKENDS_FILE, seen through the real /api/mcp: its generated tools
 * listed with the risk the policy gives them, a privileged call approved by an Approver reaching
 * the API and leaving an audit row, and no secret in any log line on the way.
 */

const API_KEY = "crm-live-key-5d4c3b2a1f";
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "openapi-mcp-"));
const requests: { method: string; path: string; key: string | null; auth: string | null }[] = [];
let status = 200;

let api: TestServer;
let server: McpTestServer;
let alice: Client;
let aliceToken: string;
let logs: ReturnType<typeof captureLogs>;
let listed: Tool[];

beforeAll(async () => {
  logs = captureLogs();
  api = await serve((req) => {
    const url = new URL(req.url);
    requests.push({
      method: req.method,
      path: url.pathname,
      key: req.headers.get("x-api-key"),
      auth: req.headers.get("authorization"),
    });
    if (status !== 200) return Response.json({ title: "Refused", detail: "no" }, { status });
    if (req.method === "DELETE") return new Response(null, { status: 204 });
    return Response.json({ id: "c1", name: "Ann Lee", email: "ann@example.com" });
  });
  const broken = path.join(dir, "broken.yaml");
  fs.writeFileSync(broken, "openapi: 3.0.3\ninfo: {}\npaths: {}\n");
  const backends = path.join(dir, "tool-backends.yaml");
  fs.writeFileSync(
    backends,
    [
      "openapi:",
      "  - id: crm",
      `    document: ${CRM_DOCUMENT}`,
      `    baseUrl: ${api.url}/crm/v2`,
      "    auth: { type: api_key, header: X-API-Key, secret: CRM_API_KEY }",
      "    timeoutMs: 5000",
      "    retries: 1",
      "  - id: broken",
      `    document: ${broken}`,
      `    baseUrl: ${api.url}`,
    ].join("\n"),
  );
  server = await startMcpServer({
    env: {
      TOOL_BACKENDS_FILE: backends,
      CRM_API_KEY: API_KEY,
      MCP_RATE_LIMIT_PER_MINUTE: "10000",
    },
  });
  setToolSources(configuredToolSources());
  aliceToken = await mintLocalAccessToken({ username: "alice" });
  alice = await mcpClient(server.mcpUrl, bearer(aliceToken));
  listed = (await alice.listTools()).tools;
});

afterAll(async () => {
  logs.restore();
  await alice?.close();
  setToolSources([]);
  await server?.close();
  await api?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const meta = (name: string) => {
  const t = listed.find((x) => x.name === name);
  if (!t) throw new Error(`${name} is not listed`);
  return t._meta as Record<string, unknown>;
};

async function call(name: string, args: Record<string, unknown>, key: string) {
  return (await alice.callTool({
    name,
    arguments: args,
    _meta: { [META.idempotencyKey]: key },
  })) as CallToolResult;
}

describe("an OpenAPI backend from TOOL_BACKENDS_FILE through /api/mcp", () => {
  it("tools_list_shows_its_operations_with_risk_from_the_method_and_the_policy", () => {
    const names = listed.map((t) => t.name).filter((n) => n.startsWith("openapi_crm_"));
    expect(names).toHaveLength(8);
    expect(meta("openapi_crm_get_contact")).toMatchObject({
      [META.risk]: "read",
      [META.approval]: "never",
    });
    expect(meta("openapi_crm_create_contact")).toMatchObject({
      [META.risk]: "write",
      [META.approval]: "always",
      [META.approverRoles]: [],
    });
    // DELETE: privileged, an Approver decides.
    expect(meta("openapi_crm_delete_contact")).toMatchObject({
      [META.risk]: "privileged",
      [META.approverRoles]: [ROLES.approver],
    });
    // A POST the generator calls a write, raised by the policy's `openapi_*refund*` override.
    expect(meta("openapi_crm_issue_refund")).toMatchObject({
      [META.risk]: "privileged",
      [META.approverRoles]: [ROLES.approver],
    });
    expect(listed.find((t) => t.name === "openapi_crm_delete_contact")!.annotations).toMatchObject({
      destructiveHint: true,
      readOnlyHint: false,
    });
    // The broken document failed its own source only.
    expect(listed.some((t) => t.name.startsWith("openapi_broken_"))).toBe(false);
    expect(toolSourceStatus().find((s) => s.id === "openapi:broken")).toMatchObject({
      state: "failed",
      error: expect.stringMatching(/broken\.yaml: /),
    });
  });

  it("a_privileged_delete_runs_only_once_an_approver_approved_it_and_is_audited", async () => {
    requests.length = 0;
    const args = { contactId: "c1" };
    const refused = errorOf(await call("openapi_crm_delete_contact", args, "del-1"));
    expect(refused.code).toBe("approval_required");
    expect(requests).toHaveLength(0);

    const [approval] = await approveCall("alice", "openapi_crm_delete_contact", args, {
      tools: catalogTools(),
    });
    expect(approval!.requiredRole).toBe(ROLES.approver);
    expect(approval!.decidedBy).not.toBe(approval!.requesterId); // carol, an Approver
    const done = await call("openapi_crm_delete_contact", args, "del-2");
    expect(done.isError).toBeFalsy();
    expect(requests).toEqual([
      { method: "DELETE", path: "/crm/v2/contacts/c1", key: API_KEY, auth: null },
    ]);
    const row = (await auditRows(server.db)).findLast(
      (r) => r.tool === "openapi_crm_delete_contact",
    );
    expect(row).toMatchObject({ risk: "privileged", outcome: "ok", idempotencyKey: "del-2" });
  });

  it("no_api_key_or_caller_token_appears_in_any_log_line", async () => {
    status = 401; // the API refuses the key
    try {
      const err = errorOf(await call("openapi_crm_get_contact", { contactId: "c1" }, "get-1"));
      expect(err.code).toBe("provider_error");
      status = 500;
      expect(
        errorOf(await call("openapi_crm_get_contact", { contactId: "c2" }, "get-2")).code,
      ).toBe("provider_error");
    } finally {
      status = 200;
    }
    const text = logs.lines.join("\n");
    // The capture saw this file's calls and the failed source, so the check below is not vacuous.
    expect(text).toContain("openapi_crm_get_contact");
    expect(text).toContain("openapi_crm_delete_contact");
    expect(text).toContain("openapi:broken");
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(aliceToken);
  });
});

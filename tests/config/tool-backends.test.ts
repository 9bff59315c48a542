import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildConfig } from "@/lib/config";
import { parseToolBackendsFile } from "@/lib/tool-backends";

const dir = mkdtempSync(path.join(tmpdir(), "tool-backends-"));
let n = 0;
function file(text: string): string {
  n += 1;
  const p = path.join(dir, `backends-${n}.yaml`);
  writeFileSync(p, text);
  return p;
}
const ENTRA = {
  ENTRA_TENANT_ID: "11111111-2222-3333-4444-555555555555",
  ENTRA_API_CLIENT_ID: "66666666-7777-8888-9999-000000000000",
};

describe("TOOL_BACKENDS_FILE", () => {
  it("is_parsed_with_defaults_and_its_secrets_resolved_from_the_environment", () => {
    const cfg = buildConfig({
      TOOL_BACKENDS_FILE: file(`
openapi:
  - id: crm
    document: ./crm.yaml
    baseUrl: https://crm.example.com/api
    auth: { type: client_credentials, tokenUrl: "https://login.example.com/token", clientId: app, secret: CRM_SECRET, scope: "api://crm/.default" }
    timeoutMs: 5000
    retries: 1
mcp:
  - id: github
    url: https://mcp.example.com/mcp
    auth: { type: api_key, header: Authorization, prefix: "Bearer ", secret: GH_TOKEN }
    tools: [search_issues, create_issue]
    risks: { create_issue: privileged }
`),
      CRM_SECRET: "s3cret-crm",
      GH_TOKEN: "ghp_abc",
    });
    expect(cfg.toolBackends.openapi).toEqual([
      {
        id: "crm",
        document: "./crm.yaml",
        baseUrl: "https://crm.example.com/api",
        auth: {
          type: "client_credentials",
          tokenUrl: "https://login.example.com/token",
          clientId: "app",
          secret: "s3cret-crm",
          scope: "api://crm/.default",
        },
        timeoutMs: 5000,
        retries: 1,
      },
    ]);
    expect(cfg.toolBackends.mcp[0]).toMatchObject({
      id: "github",
      auth: { type: "api_key", header: "Authorization", prefix: "Bearer ", secret: "ghp_abc" },
      tools: ["search_issues", "create_issue"],
      risks: { create_issue: "privileged" },
      refreshSeconds: 300,
    });
  });

  it("without_the_file_there_are_no_backends", () => {
    expect(buildConfig({}).toolBackends).toEqual({ openapi: [], mcp: [] });
  });

  it.each([
    [
      "a_missing_secret_variable",
      "openapi:\n  - { id: crm, document: x.yaml, auth: { type: api_key, secret: NOPE_KEY } }\n",
      /NOPE_KEY is not set/,
    ],
    [
      "a_duplicate_id",
      "mcp:\n  - { id: a, url: 'https://a.example/mcp', tools: [x] }\n  - { id: a, url: 'https://b.example/mcp', tools: [y] }\n",
      /mcp\.1\.id: duplicate id "a"/,
    ],
    [
      "plain_http_to_another_host",
      "mcp:\n  - { id: a, url: 'http://mcp.example.com/mcp', tools: [x] }\n",
      /mcp\.0\.url: must be https/,
    ],
    [
      "an_upstream_without_a_tool_allowlist",
      "mcp:\n  - { id: a, url: 'https://a.example/mcp' }\n",
      /mcp\.0\.tools/,
    ],
    [
      "an_id_that_cannot_be_part_of_a_tool_name",
      "openapi:\n  - { id: CRM-1, document: x.yaml }\n",
      /openapi\.0\.id/,
    ],
    ["an_unknown_top_level_key", "graphql: []\n", /graphql|Unrecognized/],
    ["broken_yaml", "openapi: [\n", /not valid YAML/],
    [
      "an_obo_upstream_without_list_auth",
      "mcp:\n  - { id: a, url: 'https://a.example/mcp', tools: [x], auth: { type: obo, scope: 'api://a/.default' } }\n",
      /mcp\.0\.listAuth: auth "obo" needs listAuth/,
    ],
    [
      "a_list_auth_that_needs_a_user",
      "mcp:\n  - { id: a, url: 'https://a.example/mcp', tools: [x], listAuth: { type: obo, scope: 's' } }\n",
      /mcp\.0\.listAuth/,
    ],
    [
      "a_missing_list_auth_secret",
      "mcp:\n  - { id: a, url: 'https://a.example/mcp', tools: [x], listAuth: { type: api_key, secret: NOPE_LIST_KEY } }\n",
      /NOPE_LIST_KEY is not set/,
    ],
    [
      "obo_without_entra_sign_in",
      "openapi:\n  - { id: crm, document: x.yaml, auth: { type: obo, scope: 'api://crm/.default' } }\n",
      /needs Entra sign-in/,
    ],
  ])("refuses_%s_naming_the_variable", (_name, text, why) => {
    expect(() => buildConfig({ TOOL_BACKENDS_FILE: file(text) })).toThrow(/TOOL_BACKENDS_FILE/);
    expect(() => buildConfig({ TOOL_BACKENDS_FILE: file(text) })).toThrow(why);
  });

  it("allows_obo_with_entra_sign_in_and_plain_http_to_loopback", () => {
    const cfg = buildConfig({
      ...ENTRA,
      TOOL_BACKENDS_FILE: file(
        "openapi:\n  - { id: crm, document: x.yaml, baseUrl: 'http://127.0.0.1:8080', auth: { type: obo, scope: 'api://crm/.default' } }\n",
      ),
    });
    expect(cfg.toolBackends.openapi[0]?.auth).toEqual({ type: "obo", scope: "api://crm/.default" });
  });

  it("an_obo_upstream_lists_with_its_list_auth_whose_secret_is_resolved", () => {
    const cfg = buildConfig({
      ...ENTRA,
      CRM_LIST_KEY: "list-key-value",
      TOOL_BACKENDS_FILE: file(`
mcp:
  - id: crm
    url: https://crm.example.com/mcp
    auth: { type: obo, scope: "api://crm/.default" }
    listAuth: { type: api_key, secret: CRM_LIST_KEY }
    tools: [find]
`),
    });
    expect(cfg.toolBackends.mcp[0]).toMatchObject({
      auth: { type: "obo", scope: "api://crm/.default" },
      listAuth: { type: "api_key", header: "X-API-Key", prefix: "", secret: "list-key-value" },
    });
  });

  it("the_example_file_is_valid", () => {
    const parsed = parseToolBackendsFile(readFileSync("deploy/tool-backends.example.yaml", "utf8"));
    expect(parsed.mcp.map((b) => [b.id, b.auth.type, b.listAuth?.type])).toEqual([
      ["crm", "api_key", undefined],
      ["hr", "obo", "client_credentials"],
    ]);
  });

  it("an_unreadable_file_is_named_with_its_error_code", () => {
    expect(() => buildConfig({ TOOL_BACKENDS_FILE: path.join(dir, "absent.yaml") })).toThrow(
      /TOOL_BACKENDS_FILE .*cannot be read \(ENOENT\)/,
    );
  });
});

import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { buildConfig } from "@/lib/config";
import { parseToolBackendsFile, secretNamesOf } from "@/lib/tool-backends";
import { dealerApiTools } from "@/mcp-server/catalog/tools/dealer-api";
import { openApiBackendSources } from "@/mcp-server/openapi/source";

const EXAMPLE = path.join(__dirname, "../../deploy/tool-backends.example.yaml");
/** The example's secrets, and Entra sign-in (its `obo` entry needs it). */
const ENV = {
  TOOL_BACKENDS_FILE: EXAMPLE,
  ENTRA_TENANT_ID: "00000000-0000-0000-0000-000000000000",
  ENTRA_API_CLIENT_ID: "22222222-2222-2222-2222-222222222222",
  CRM_CLIENT_SECRET: "crm-secret",
  DEALER_API_KEY: "dealer-key",
  CRM_MCP_KEY: "crm-mcp-key",
  HR_MCP_LIST_SECRET: "hr-list-secret",
};

describe("deploy/tool-backends.example.yaml", () => {
  it("is_a_valid_tool_backends_file_whose_secrets_resolve_from_the_environment", () => {
    const file = parseToolBackendsFile(readFileSync(EXAMPLE, "utf8"));
    expect(file.openapi.map((b) => b.id)).toEqual(["crm", "erp", "dealer"]);
    expect(secretNamesOf(file)).toEqual([
      "CRM_CLIENT_SECRET",
      "DEALER_API_KEY",
      "CRM_MCP_KEY",
      "HR_MCP_LIST_SECRET",
    ]);
    const cfg = buildConfig(ENV);
    expect(cfg.toolBackends.openapi.map((b) => [b.id, b.auth.type])).toEqual([
      ["crm", "client_credentials"],
      ["erp", "obo"],
      ["dealer", "api_key"],
    ]);
  });

  it("its_dealer_entry_yields_the_sandbox_dealer_tools_names_and_schemas", async () => {
    const cfg = buildConfig(ENV);
    const dealer = cfg.toolBackends.openapi.filter((b) => b.id === "dealer");
    const [source] = openApiBackendSources(dealer);
    const live = await source!.load(AbortSignal.timeout(10_000));
    const shape = (tools: typeof live) =>
      tools.map((t) => ({
        name: t.name,
        provider: t.provider,
        risk: t.risk,
        input: z.toJSONSchema(t.inputSchema),
      }));
    expect(shape(live)).toEqual(shape(dealerApiTools));
  });
});

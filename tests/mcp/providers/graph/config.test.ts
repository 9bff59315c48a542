import { describe, expect, it } from "vitest";
import { buildConfig } from "@/lib/config";

const entra = {
  ENTRA_TENANT_ID: "11111111-2222-3333-4444-555555555555",
  ENTRA_API_CLIENT_ID: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
  ENTRA_API_CLIENT_SECRET: "secret",
};

describe("GRAPH_PROVIDER configuration", () => {
  it("sandbox_is_the_default_with_graphs_public_endpoint", () => {
    expect(buildConfig({}).providers.graph).toEqual({
      mode: "sandbox",
      origin: "https://graph.microsoft.com",
      version: "v1.0",
      plannerDefaultPlanId: undefined,
      consentRedirectUri: "http://localhost:3000/connections",
    });
  });

  it("live_is_refused_without_entra_identity_and_the_message_names_the_variables", () => {
    for (const env of [
      { GRAPH_PROVIDER: "live" },
      { GRAPH_PROVIDER: "live", ...entra, ENTRA_API_CLIENT_SECRET: "" },
      { GRAPH_PROVIDER: "live", ENTRA_API_CLIENT_SECRET: "secret" },
    ]) {
      expect(() => buildConfig(env)).toThrow(
        /GRAPH_PROVIDER=live.*ENTRA_TENANT_ID, ENTRA_API_CLIENT_ID and ENTRA_API_CLIENT_SECRET/s,
      );
    }
  });

  it("live_with_entra_takes_the_plan_the_national_cloud_and_the_consent_redirect", () => {
    const graph = buildConfig({
      GRAPH_PROVIDER: "live",
      ...entra,
      APP_URL: "https://chat.contoso.example",
      GRAPH_BASE_URL: "https://graph.microsoft.us/v1.0/",
      GRAPH_PLANNER_DEFAULT_PLAN_ID: "xqQg5FS2LkCp935s-FIFm2QAFkHM",
      GRAPH_CONSENT_REDIRECT_URI: "https://chat.contoso.example/consented",
    }).providers.graph;
    expect(graph).toEqual({
      mode: "live",
      origin: "https://graph.microsoft.us",
      version: "v1.0",
      plannerDefaultPlanId: "xqQg5FS2LkCp935s-FIFm2QAFkHM",
      consentRedirectUri: "https://chat.contoso.example/consented",
    });
  });

  it("names_the_variable_when_a_value_is_invalid", () => {
    expect(() => buildConfig({ GRAPH_PROVIDER: "real" })).toThrow(/GRAPH_PROVIDER/);
    for (const url of ["http://graph.microsoft.com/v1.0", "https://graph.microsoft.com", "nope"])
      expect(() => buildConfig({ GRAPH_BASE_URL: url })).toThrow(/GRAPH_BASE_URL/);
    expect(() => buildConfig({ GRAPH_CONSENT_REDIRECT_URI: "not a url" })).toThrow(
      /GRAPH_CONSENT_REDIRECT_URI/,
    );
  });
});

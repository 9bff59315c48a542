import { afterEach, describe, expect, it } from "vitest";
import { resetConfig } from "@/lib/config";
import { listToolConsents, parseConsents, revokeToolConsent } from "@/lib/connections/consents";
import { testPrincipal } from "../helpers/principals";

describe("tool consents from the agent service", () => {
  afterEach(() => {
    delete process.env.FOUNDRY_PROJECT_ENDPOINT;
    resetConfig();
  });

  it("reads the local service's list: OAuth connections with the caller's grant, no key connections", () => {
    expect(
      parseConsents({
        object: "list",
        data: [
          { object: "connection", name: "mcp-key", kind: "key", header_name: "x-api-key" },
          {
            object: "connection",
            name: "mcp-oauth",
            kind: "oauth_passthrough",
            display_name: "Foundry Agent Chat tools",
            scopes: ["api://x/access_as_user", "offline_access"],
            grant: {
              status: "connected",
              connected_at: 1_770_000_000,
              scopes: ["api://x/access_as_user"],
            },
          },
          {
            name: "other",
            kind: "oauth_passthrough",
            scopes: ["a"],
            grant: { status: "not_connected" },
          },
          { kind: "oauth_passthrough" },
          null,
        ],
      }),
    ).toEqual([
      {
        name: "mcp-oauth",
        displayName: "Foundry Agent Chat tools",
        granted: true,
        scopes: ["api://x/access_as_user"],
        grantedAt: new Date(1_770_000_000_000).toISOString(),
      },
      { name: "other", granted: false, scopes: ["a"] },
    ]);
    expect(parseConsents({ error: "nope" })).toEqual([]);
    expect(parseConsents(null)).toEqual([]);
  });

  it("with Foundry there is no such API: an empty list, marked unsupported; revoking is 404", async () => {
    process.env.FOUNDRY_PROJECT_ENDPOINT = "https://example.services.ai.azure.com/api/projects/p";
    resetConfig();
    const alice = testPrincipal("alice");
    expect(await listToolConsents(alice)).toEqual({ supported: false, items: [] });
    await expect(revokeToolConsent(alice, "mcp-oauth")).rejects.toMatchObject({ status: 404 });
  });
});

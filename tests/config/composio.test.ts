import { describe, expect, it } from "vitest";
import { buildConfig, SECRET_KEYS } from "@/lib/config";

const ON = {
  COMPOSIO_API_KEY: "ck_live_abcdef",
  COMPOSIO_TOOLKITS: "GitHub, slack,googlecalendar",
  COMPOSIO_TOOLS: "github_create_an_issue,SLACK_SEND_MESSAGE,GOOGLECALENDAR_CREATE_EVENT",
};

describe("Composio configuration", () => {
  it("is_off_without_an_api_key_even_with_lists", () => {
    expect(buildConfig({}).providers.composio).toBeUndefined();
    expect(
      buildConfig({ COMPOSIO_TOOLKITS: "github", COMPOSIO_TOOLS: "GITHUB_X" }).providers.composio,
    ).toBeUndefined();
  });

  it("normalizes_the_whitelists_and_assigns_each_tool_its_toolkit", () => {
    const c = buildConfig({ ...ON, COMPOSIO_AUTH_CONFIGS: "github:ac_1a2b3c, slack:ac_99" })
      .providers.composio!;
    expect(c).toEqual({
      apiKey: "ck_live_abcdef",
      baseUrl: "https://backend.composio.dev",
      toolkits: ["github", "slack", "googlecalendar"],
      tools: ["GITHUB_CREATE_AN_ISSUE", "SLACK_SEND_MESSAGE", "GOOGLECALENDAR_CREATE_EVENT"],
      toolkitOf: {
        GITHUB_CREATE_AN_ISSUE: "github",
        SLACK_SEND_MESSAGE: "slack",
        GOOGLECALENDAR_CREATE_EVENT: "googlecalendar",
      },
      authConfigs: { github: "ac_1a2b3c", slack: "ac_99" },
    });
    expect(
      buildConfig({ ...ON, COMPOSIO_BASE_URL: "https://composio.internal.example/" }).providers
        .composio!.baseUrl,
    ).toBe("https://composio.internal.example");
  });

  it("the_longest_toolkit_prefix_owns_a_tool", () => {
    const c = buildConfig({
      COMPOSIO_API_KEY: "k",
      COMPOSIO_TOOLKITS: "google,google_maps",
      COMPOSIO_TOOLS: "GOOGLE_MAPS_SEARCH,GOOGLE_SEARCH",
    }).providers.composio!;
    expect(c.toolkitOf).toEqual({ GOOGLE_MAPS_SEARCH: "google_maps", GOOGLE_SEARCH: "google" });
  });

  it("refuses_what_it_cannot_use_naming_the_variable", () => {
    const bad: [Record<string, string>, RegExp][] = [
      [{ COMPOSIO_API_KEY: "k", COMPOSIO_TOOLS: "GITHUB_X" }, /COMPOSIO_TOOLKITS: required/],
      [{ COMPOSIO_API_KEY: "k", COMPOSIO_TOOLKITS: "github" }, /COMPOSIO_TOOLS: required/],
      [
        { ...ON, COMPOSIO_TOOLS: "GMAIL_SEND_EMAIL" },
        /COMPOSIO_TOOLS: GMAIL_SEND_EMAIL is not in a toolkit listed in COMPOSIO_TOOLKITS/,
      ],
      [
        { ...ON, COMPOSIO_TOOLKITS: "git hub" },
        /COMPOSIO_TOOLKITS: "git hub" is not a toolkit slug/,
      ],
      [
        { ...ON, COMPOSIO_TOOLS: "GITHUB-CREATE" },
        /COMPOSIO_TOOLS: "GITHUB-CREATE" is not a tool slug/,
      ],
      [
        { ...ON, COMPOSIO_TOOLS: `GITHUB_${"X".repeat(50)}` },
        /COMPOSIO_TOOLS: GITHUB_X+ is longer than 55 characters/,
      ],
      [
        { ...ON, COMPOSIO_AUTH_CONFIGS: "github" },
        /COMPOSIO_AUTH_CONFIGS: "github" must be toolkit:auth_config_id/,
      ],
      [
        { ...ON, COMPOSIO_AUTH_CONFIGS: "gmail:ac_1" },
        /COMPOSIO_AUTH_CONFIGS: gmail is not listed/,
      ],
      [{ ...ON, COMPOSIO_BASE_URL: "http://backend.composio.dev" }, /COMPOSIO_BASE_URL/],
    ];
    for (const [env, message] of bad)
      expect(() => buildConfig(env), JSON.stringify(env)).toThrow(message);
  });

  it("the_api_key_is_a_secret_that_may_come_from_key_vault", () => {
    expect(SECRET_KEYS).toContain("COMPOSIO_API_KEY");
  });
});

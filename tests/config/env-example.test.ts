import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildConfig, configKeys } from "@/lib/config";

describe("configuration", () => {
  it(".env.example lists every variable the config module reads", () => {
    const example = fs.readFileSync(path.join(process.cwd(), ".env.example"), "utf8");
    const missing = configKeys.filter((key) => !new RegExp(`^#?\\s*${key}=`, "m").test(example));
    expect(missing).toEqual([]);
  });

  it("runs on embedded defaults with an empty environment", () => {
    const config = buildConfig({});
    expect(config.identity.mode).toBe("local");
    expect(config.agents.mode).toBe("local");
    expect(config.database.kind).toBe("pglite");
    expect(config.agents.endpoint).toBe("http://localhost:3000/local-foundry");
  });

  it("switches to Foundry, Entra and Postgres when configured", () => {
    const config = buildConfig({
      FOUNDRY_PROJECT_ENDPOINT: "https://res.services.ai.azure.com/api/projects/p1",
      ENTRA_TENANT_ID: "tenant",
      ENTRA_API_CLIENT_ID: "api-client",
      DATABASE_URL: "postgres://db/x",
    });
    expect(config.agents).toMatchObject({
      mode: "foundry",
      endpoint: "https://res.services.ai.azure.com/api/projects/p1",
    });
    expect(config.identity).toMatchObject({ mode: "entra", apiAppIdUri: "api://api-client" });
    expect(config.database.kind).toBe("postgres");
  });

  it("names the variable when a value is invalid", () => {
    expect(() => buildConfig({ PORT: "eighty" })).toThrow(/PORT/);
    expect(() => buildConfig({ FOUNDRY_PROJECT_ENDPOINT: "not a url" })).toThrow(
      /FOUNDRY_PROJECT_ENDPOINT/,
    );
  });
});

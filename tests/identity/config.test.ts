import { describe, expect, it } from "vitest";
import { buildConfig, LOCAL_API_CLIENT_ID, LOCAL_TENANT_ID } from "@/lib/config";

describe("identity configuration", () => {
  it("selects the local IdP when no Entra tenant is configured", () => {
    const id = buildConfig({ NODE_ENV: "development", PORT: "4100" }).identity;
    expect(id).toMatchObject({
      mode: "local",
      tenantId: LOCAL_TENANT_ID,
      apiClientId: LOCAL_API_CLIENT_ID,
      apiAppIdUri: `api://${LOCAL_API_CLIENT_ID}`,
      authorityHost: "http://localhost:4100/local-idp",
    });
  });

  it("refuses the local IdP when NODE_ENV=production", () => {
    expect(() => buildConfig({ NODE_ENV: "production" })).toThrow(
      /local identity provider is refused/,
    );
  });

  it("allows the local IdP in production only when explicitly allowed", () => {
    expect(
      buildConfig({ NODE_ENV: "production", ALLOW_LOCAL_IDENTITY_IN_PRODUCTION: "true" }).identity
        .mode,
    ).toBe("local");
    expect(() =>
      buildConfig({ NODE_ENV: "production", ALLOW_LOCAL_IDENTITY_IN_PRODUCTION: "false" }),
    ).toThrow();
  });

  it("runs in production with Entra", () => {
    const id = buildConfig({
      NODE_ENV: "production",
      ENTRA_TENANT_ID: "t-1",
      ENTRA_API_CLIENT_ID: "c-1",
    }).identity;
    expect(id).toMatchObject({
      mode: "entra",
      authorityHost: "https://login.microsoftonline.com",
      apiAppIdUri: "api://c-1",
    });
  });
});

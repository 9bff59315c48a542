import { describe, expect, it } from "vitest";
import { SECRET_KEYS, buildConfig } from "@/lib/config";

const live = {
  GMAIL_PROVIDER: "live",
  GOOGLE_CLIENT_ID: "123-abc.apps.googleusercontent.com",
  GOOGLE_CLIENT_SECRET: "GOCSPX-secret",
};

describe("gmail provider configuration", () => {
  it("sandbox_is_the_default", () => {
    expect(buildConfig({}).providers.gmail).toEqual({
      mode: "sandbox",
      redirectUri: "http://localhost:3000/api/connections/gmail/callback",
    });
  });

  it("live_needs_the_google_oauth_client_and_names_what_is_missing", () => {
    expect(() => buildConfig({ GMAIL_PROVIDER: "live" })).toThrow(
      /GMAIL_PROVIDER=live needs GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET/,
    );
    expect(() => buildConfig({ ...live, GOOGLE_CLIENT_SECRET: " " })).toThrow(
      /needs GOOGLE_CLIENT_SECRET/,
    );
    expect(() => buildConfig({ GMAIL_PROVIDER: "imap" })).toThrow(/GMAIL_PROVIDER/);
  });

  it("live_derives_the_redirect_uri_from_app_url_and_refuses_plain_http_off_localhost", () => {
    expect(buildConfig({ ...live, APP_URL: "https://chat.contoso.com/" }).providers.gmail).toEqual({
      mode: "live",
      clientId: live.GOOGLE_CLIENT_ID,
      clientSecret: live.GOOGLE_CLIENT_SECRET,
      redirectUri: "https://chat.contoso.com/api/connections/gmail/callback",
    });
    expect(buildConfig({ ...live }).providers.gmail.redirectUri).toBe(
      "http://localhost:3000/api/connections/gmail/callback",
    );
    expect(() => buildConfig({ ...live, APP_URL: "http://chat.contoso.com" })).toThrow(/APP_URL/);
  });

  it("the_client_secret_may_come_from_key_vault", () => {
    expect(SECRET_KEYS).toContain("GOOGLE_CLIENT_SECRET");
  });
});

import { describe, expect, it } from "vitest";
import { buildConfig, SECRET_KEYS } from "@/lib/config";

const ACCOUNT_SID = `AC${"0123456789abcdef".repeat(2)}`;
const API_KEY_SID = `SK${"fedcba9876543210".repeat(2)}`;
const twilioLive = {
  TWILIO_PROVIDER: "live",
  TWILIO_ACCOUNT_SID: ACCOUNT_SID,
  TWILIO_API_KEY_SID: API_KEY_SID,
  TWILIO_API_KEY_SECRET: "the-api-key-secret",
  TWILIO_FROM_NUMBERS: "+14155238886, +447480123456",
};

describe("provider configuration", () => {
  it("providers_default_to_the_sandbox", () => {
    const { providers } = buildConfig({});
    expect(providers.twilio).toEqual({ mode: "sandbox" });
    expect(providers.tavily).toEqual({ mode: "sandbox" });
    expect(providers.graph.mode).toBe("sandbox");
    expect(providers.gmail.mode).toBe("sandbox");
    expect(providers.composio).toBeUndefined();
    // Settings alone switch nothing on.
    expect(buildConfig({ TAVILY_API_KEY: "tvly-x" }).providers.tavily.mode).toBe("sandbox");
  });

  it("live_twilio_prefers_the_api_key_and_lists_the_senders", () => {
    const twilio = buildConfig({ ...twilioLive, TWILIO_AUTH_TOKEN: "token" }).providers.twilio;
    expect(twilio).toEqual({
      mode: "live",
      accountSid: ACCOUNT_SID,
      username: API_KEY_SID,
      password: "the-api-key-secret",
      fromNumbers: ["+14155238886", "+447480123456"],
      whatsappFrom: undefined,
      statusCallbackUrl: undefined,
    });
  });

  it("live_twilio_uses_the_auth_token_without_an_api_key", () => {
    const twilio = buildConfig({
      ...twilioLive,
      TWILIO_API_KEY_SID: undefined,
      TWILIO_API_KEY_SECRET: undefined,
      TWILIO_AUTH_TOKEN: "token",
      TWILIO_WHATSAPP_FROM: "whatsapp:+14155238886",
      TWILIO_STATUS_CALLBACK_URL: "https://status.contoso.example/twilio",
    }).providers.twilio;
    expect(twilio).toMatchObject({
      username: ACCOUNT_SID,
      password: "token",
      whatsappFrom: "+14155238886",
      statusCallbackUrl: "https://status.contoso.example/twilio",
    });
  });

  it.each([
    ["TWILIO_ACCOUNT_SID", { TWILIO_ACCOUNT_SID: undefined }],
    ["TWILIO_FROM_NUMBERS", { TWILIO_FROM_NUMBERS: undefined }],
    ["TWILIO_API_KEY_SECRET", { TWILIO_API_KEY_SECRET: undefined }],
    ["TWILIO_API_KEY_SID", { TWILIO_API_KEY_SID: undefined }],
    ["TWILIO_AUTH_TOKEN", { TWILIO_API_KEY_SID: undefined, TWILIO_API_KEY_SECRET: undefined }],
  ])("refuses_live_twilio_without_%s", (variable, without) => {
    expect(() => buildConfig({ ...twilioLive, ...without })).toThrow(
      new RegExp(`TWILIO_PROVIDER=live needs .*${variable}`),
    );
  });

  it.each([
    ["TWILIO_ACCOUNT_SID", { TWILIO_ACCOUNT_SID: "SK123" }],
    ["TWILIO_API_KEY_SID", { TWILIO_API_KEY_SID: ACCOUNT_SID }],
    ["TWILIO_FROM_NUMBERS", { TWILIO_FROM_NUMBERS: "+14155238886,0044 7480 123456" }],
    ["TWILIO_WHATSAPP_FROM", { TWILIO_WHATSAPP_FROM: "whatsapp:14155238886" }],
    ["TWILIO_STATUS_CALLBACK_URL", { TWILIO_STATUS_CALLBACK_URL: "http://status.example/cb" }],
    ["TWILIO_PROVIDER", { TWILIO_PROVIDER: "real" }],
  ])("names_%s_when_its_value_is_invalid", (variable, bad) => {
    expect(() => buildConfig({ ...twilioLive, ...bad })).toThrow(new RegExp(variable));
  });

  it("never_echoes_a_secret_in_a_configuration_error", () => {
    const secret = "s3cret-that-must-not-appear";
    let message = "";
    try {
      buildConfig({ ...twilioLive, TWILIO_API_KEY_SECRET: secret, TWILIO_ACCOUNT_SID: "bad" });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/TWILIO_ACCOUNT_SID/);
    expect(message).not.toContain(secret);
  });

  it("live_tavily_needs_its_api_key", () => {
    expect(() => buildConfig({ TAVILY_PROVIDER: "live" })).toThrow(
      /TAVILY_PROVIDER=live needs TAVILY_API_KEY/,
    );
    expect(
      buildConfig({ TAVILY_PROVIDER: "live", TAVILY_API_KEY: "tvly-abc" }).providers.tavily,
    ).toEqual({ mode: "live", apiKey: "tvly-abc" });
  });

  it("provider_secrets_may_come_from_key_vault", () => {
    expect(SECRET_KEYS).toEqual(
      expect.arrayContaining(["TWILIO_API_KEY_SECRET", "TWILIO_AUTH_TOKEN", "TAVILY_API_KEY"]),
    );
  });
});

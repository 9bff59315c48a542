import fs from "node:fs";
import path from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import {
  checkConsentLink,
  normalizeConsentOrigin,
  type ConsentLinkPolicy,
} from "@/lib/agents/normalizer/consent-links";
import { buildConfig, DEFAULT_CONSENT_LINK_ORIGINS } from "@/lib/config";
import { redactPaths } from "@/lib/log";

const cloud: ConsentLinkPolicy = {
  origins: ["https://login.microsoftonline.com", "https://*.consent.azure-apihub.net"],
};
const embedded: ConsentLinkPolicy = { ...cloud, appOrigin: "http://localhost:3000" };

describe("consent link checks", () => {
  it.each([
    "https://login.microsoftonline.com/tenant/oauth2/v2.0/authorize?client_id=x",
    "https://logic-swedencentral-001.consent.azure-apihub.net/login?data=xxxx",
    "https://LOGIN.microsoftonline.com:443/x",
  ])("accepts an https link on the allowlist: %s", (link) => {
    expect(checkConsentLink(link, cloud)).toEqual({ ok: true, link });
  });

  it.each([
    ["http on an allowed host", "http://login.microsoftonline.com/x", "consent_link_not_https"],
    ["javascript", "javascript:alert(1)", "consent_link_not_https"],
    ["relative", "/local-idp/authorize", "consent_link_not_https"],
    ["whitespace", "https://login.microsoftonline.com/x y", "consent_link_not_https"],
    ["another host", "https://evil.example.net/login", "consent_link_not_allowed"],
    ["a look-alike", "https://login.microsoftonline.com.evil.net/x", "consent_link_not_allowed"],
    [
      "the wildcard's bare domain",
      "https://consent.azure-apihub.net/x",
      "consent_link_not_allowed",
    ],
    ["another port", "https://login.microsoftonline.com:8443/x", "consent_link_not_allowed"],
    ["credentials", "https://user:pw@login.microsoftonline.com/x", "consent_link_not_allowed"],
    [
      "the app origin outside embedded mode",
      "http://localhost:3000/local-idp/authorize",
      "consent_link_not_https",
    ],
    ["missing", "", "consent_link_missing"],
  ])("refuses %s", (_, link, code) => {
    expect(checkConsentLink(link, cloud)).toEqual({ ok: false, code });
  });

  it("accepts the app's own origin in embedded mode, over http too", () => {
    const link = "http://localhost:3000/local-idp/authorize?client_id=lf&state=s";
    expect(checkConsentLink(link, embedded)).toEqual({ ok: true, link });
    expect(checkConsentLink("http://localhost:3001/local-idp/authorize", embedded)).toMatchObject({
      ok: false,
    });
    expect(checkConsentLink("http://127.0.0.1:3000/local-idp/authorize", embedded)).toMatchObject({
      ok: false,
    });
  });

  it("refuses everything with an empty allowlist (fails closed)", () => {
    expect(checkConsentLink("https://login.microsoftonline.com/x", { origins: [] })).toMatchObject({
      ok: false,
      code: "consent_link_not_allowed",
    });
  });

  it("normalizes allowlist entries and rejects what is not an https origin", () => {
    expect(normalizeConsentOrigin("https://Login.MicrosoftOnline.com/")).toBe(
      "https://login.microsoftonline.com",
    );
    expect(normalizeConsentOrigin("https://*.consent.azure-apihub.net")).toBe(
      "https://*.consent.azure-apihub.net",
    );
    for (const bad of ["http://x.com", "https://x.com/path", "https://*.com", "x.com"])
      expect(normalizeConsentOrigin(bad)).toBeUndefined();
  });
});

describe("CONSENT_LINK_ORIGINS configuration", () => {
  it("defaults to the documented Microsoft origins, the same as .env.example shows", () => {
    expect(buildConfig({}).consent.linkOrigins).toEqual(DEFAULT_CONSENT_LINK_ORIGINS.split(","));
    const example = fs.readFileSync(path.join(process.cwd(), ".env.example"), "utf8");
    expect(example).toMatch(
      new RegExp(
        `^# CONSENT_LINK_ORIGINS=${DEFAULT_CONSENT_LINK_ORIGINS.replaceAll(".", "\\.").replaceAll("*", "\\*")}$`,
        "m",
      ),
    );
  });

  it("takes a comma-separated list and refuses entries that are not https origins", () => {
    expect(
      buildConfig({ CONSENT_LINK_ORIGINS: "https://Login.example.com/, https://*.idp.example.org" })
        .consent.linkOrigins,
    ).toEqual(["https://login.example.com", "https://*.idp.example.org"]);
    expect(() => buildConfig({ CONSENT_LINK_ORIGINS: "http://login.example.com" })).toThrow(
      /CONSENT_LINK_ORIGINS/,
    );
    expect(() => buildConfig({ CONSENT_LINK_ORIGINS: "https://login.example.com/path" })).toThrow(
      /CONSENT_LINK_ORIGINS/,
    );
  });
});

describe("logs never carry consent links", () => {
  it("redacts link / consent_link / consentLink wherever a log line puts them", () => {
    const lines: string[] = [];
    const log = pino(
      { redact: { paths: redactPaths, censor: "[redacted]" } },
      { write: (line: string) => void lines.push(line) },
    );
    const link = "https://login.microsoftonline.com/x?state=secret-state";
    log.info({ link, consent_link: link, consentLink: link }, "top level");
    log.info({ event: { data: { link } }, item: { consent_link: link } }, "nested");
    log.info({ err: { error: { consent_link: link } } }, "in an upstream error");
    expect(lines).toHaveLength(3);
    expect(lines.join("")).not.toContain("secret-state");
  });
});

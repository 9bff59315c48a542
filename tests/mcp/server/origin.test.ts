import { describe, expect, it } from "vitest";
import { checkHostAndOrigin, type OriginRules } from "@/mcp-server/origin";

const prod: OriginRules = {
  appUrl: "https://chat.contoso.com",
  allowedHosts: ["internal.contoso.net:8080"],
  allowedOrigins: ["https://portal.contoso.com"],
};
const dev: OriginRules = { appUrl: "http://localhost:3000", allowedHosts: [], allowedOrigins: [] };

describe("Host and Origin checks (DNS rebinding)", () => {
  it.each([
    ["the app's own host", "chat.contoso.com", null],
    ["a configured host", "internal.contoso.net:8080", null],
    ["loopback on any port", "127.0.0.1:41234", null],
    ["localhost", "localhost:3000", null],
    ["IPv6 loopback", "[::1]:3000", null],
    ["the app's origin", "chat.contoso.com", "https://chat.contoso.com"],
    ["a configured origin", "chat.contoso.com", "https://portal.contoso.com"],
  ])("accepts %s", (_label, host, origin) => {
    expect(checkHostAndOrigin(host, origin, prod)).toEqual({ ok: true });
  });

  it.each([
    ["a rebinding host", "evil.example.com", null],
    ["the app's name on another port", "chat.contoso.com:8443", null],
    ["a missing host", null, null],
    ["a host with a path", "chat.contoso.com/x", null],
    ["a foreign origin", "chat.contoso.com", "https://evil.example.com"],
    ["the app's origin over http", "chat.contoso.com", "http://chat.contoso.com"],
    ["a null origin", "chat.contoso.com", "null"],
    ["a loopback page against a public deployment", "chat.contoso.com", "http://localhost:6274"],
  ])("refuses %s", (_label, host, origin) => {
    expect(checkHostAndOrigin(host, origin, prod).ok).toBe(false);
  });

  it("lets loopback pages call a loopback development server, but not foreign pages", () => {
    expect(checkHostAndOrigin("localhost:3000", "http://localhost:6274", dev)).toEqual({
      ok: true,
    });
    expect(checkHostAndOrigin("localhost:3000", "http://127.0.0.1:5173", dev)).toEqual({
      ok: true,
    });
    expect(checkHostAndOrigin("localhost:3000", "http://evil.example.com", dev).ok).toBe(false);
    expect(checkHostAndOrigin("evil.example.com", "http://evil.example.com", dev).ok).toBe(false);
  });
});

import { beforeAll, describe, expect, it } from "vitest";
import { resetConfig } from "@/lib/config";
import { providerConnectionStatus } from "@/mcp-server/catalog/tools/provider-connection-status";
import { twilioSendSms } from "@/mcp-server/catalog/tools/twilio-send-sms";
import {
  createConnectToken,
  resetConnectTokenKey,
  tokenOfConnectUrl,
  verifyConnectToken,
} from "@/mcp-server/connections/connect-token";
import { getConnection, listConnections, removeConnection } from "@/mcp-server/connections/store";
import { connect, ctx, principal, toolError, setupMemoryDb } from "./helpers";

setupMemoryDb();

beforeAll(() => {
  process.env.CONNECT_TOKEN_SECRET = "test-secret-test-secret-test-secret-0123";
  process.env.APP_URL = "http://127.0.0.1:3999";
  resetConfig();
  resetConnectTokenKey();
});

describe("per-user provider connections", () => {
  it("answers auth_required with a connect link bound to the user and provider, and succeeds after connecting", async () => {
    const alice = principal("alice");
    const err = await toolError(twilioSendSms, { to: "+14155550123", body: "hello" }, ctx(alice));
    expect(err.code).toBe("auth_required");
    expect(err.details.provider).toBe("twilio");
    const url = new URL(err.details.connectUrl!);
    expect(`${url.origin}${url.pathname}`).toBe("http://127.0.0.1:3999/connect/twilio");
    // The token is in the fragment (never sent to a server), not in the query string.
    expect(url.search).toBe("");
    const token = tokenOfConnectUrl(url.href)!;
    expect(await verifyConnectToken(token, "twilio")).toMatchObject({
      userId: alice.userId,
      provider: "twilio",
      username: alice.username,
    });
    // The same token cannot connect another provider.
    expect(await verifyConnectToken(token, "gmail")).toBeUndefined();

    await connect(alice, "twilio");
    const out = await twilioSendSms.run({ to: "+14155550123", body: "hello" }, ctx(alice));
    expect(out.status).toBe("queued");
  });

  it("never lets one user's connection serve another user", async () => {
    const alice = principal("alice");
    const bob = principal("bob");
    await connect(alice, "twilio", "gmail");
    expect(
      (await toolError(twilioSendSms, { to: "+14155550123", body: "hi" }, ctx(bob))).code,
    ).toBe("auth_required");
    expect(await listConnections(bob.userId)).toEqual([]);
    expect(await getConnection(bob.userId, "twilio")).toBeUndefined();

    const status = await providerConnectionStatus.run({}, ctx(bob));
    expect(status.providers.map((p) => [p.provider, p.connected])).toEqual([
      ["gmail", false],
      ["graph", false],
      ["twilio", false],
    ]);
    const aliceStatus = await providerConnectionStatus.run({}, ctx(alice));
    expect(aliceStatus.providers.filter((p) => p.connected).map((p) => p.provider)).toEqual([
      "gmail",
      "twilio",
    ]);
    expect(aliceStatus.providers.find((p) => p.provider === "twilio")).toMatchObject({
      accountLabel: alice.username,
    });
    expect(aliceStatus.providers.find((p) => p.provider === "twilio")!.connectUrl).toBeUndefined();
    expect(aliceStatus.providers.find((p) => p.provider === "graph")!.connectUrl).toContain(
      "/connect/graph#token=",
    );
  });

  it("filters by provider and refuses unknown providers", async () => {
    const p = principal("filter");
    const one = await providerConnectionStatus.run({ provider: "graph" }, ctx(p));
    expect(one.providers).toHaveLength(1);
    expect((await toolError(providerConnectionStatus, { provider: "dropbox" }, ctx(p))).code).toBe(
      "invalid_arguments",
    );
  });

  it("disconnecting brings auth_required back", async () => {
    const p = principal("disc");
    await connect(p, "twilio");
    await twilioSendSms.run({ to: "+14155550123", body: "one" }, ctx(p));
    expect(await removeConnection(p.userId, "twilio")).toBe(true);
    expect((await toolError(twilioSendSms, { to: "+14155550123", body: "two" }, ctx(p))).code).toBe(
      "auth_required",
    );
  });

  it("rejects forged, expired and foreign-key tokens", async () => {
    const p = principal("tok");
    const good = await createConnectToken({
      userId: p.userId,
      provider: "gmail",
      username: p.username,
    });
    const [h, body, sig] = good.split(".");
    const forgedBody = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(body!, "base64url").toString()),
        sub: "someone-else",
      }),
    ).toString("base64url");
    expect(await verifyConnectToken(`${h}.${forgedBody}.${sig}`, "gmail")).toBeUndefined();
    const old = await createConnectToken(
      { userId: p.userId, provider: "gmail", username: p.username },
      new Date(Date.now() - 3600_000),
    );
    expect(await verifyConnectToken(old, "gmail")).toBeUndefined();
    process.env.CONNECT_TOKEN_SECRET = "another-secret-another-secret-another-01";
    resetConfig();
    resetConnectTokenKey();
    expect(await verifyConnectToken(good, "gmail")).toBeUndefined();
  });
});

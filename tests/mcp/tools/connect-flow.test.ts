import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as listRoute } from "@/app/api/connections/route";
import { DELETE as deleteRoute, POST as postRoute } from "@/app/api/connections/[provider]/route";
import { POST as previewRoute } from "@/app/api/connections/[provider]/preview/route";
import ConnectPage from "@/app/connect/[provider]/page";
import { resetConfig } from "@/lib/config";
import { resetRecentUsers } from "@/lib/identity/authenticate";
import { resetLocalKeyCache } from "@/lib/identity/local-idp/keys";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { DEMO_USERS } from "@/lib/identity/local-idp/users";
import { gmailListMessages } from "@/mcp-server/catalog/tools/gmail-list-messages";
import { createConnectToken, tokenOfConnectUrl } from "@/mcp-server/connections/connect-token";
import { getConnection } from "@/mcp-server/connections/store";
import { serve, type TestServer } from "../../helpers/serve";
import { ctx, principal, setupMemoryDb, toolError } from "./helpers";

setupMemoryDb();

const alice = DEMO_USERS.find((u) => u.username === "alice")!;
const bob = DEMO_USERS.find((u) => u.username === "bob")!;
const asPrincipal = (u: typeof alice) =>
  principal(u.username, { userId: u.oid, username: u.preferredUsername, name: u.name });

/** Dispatches like Next's file router: the consent page and the connections API. */
async function router(req: Request): Promise<Response> {
  const url = new URL(req.url);
  let m: RegExpExecArray | null;
  if (req.method === "GET" && (m = /^\/connect\/([^/]+)$/.exec(url.pathname))) {
    const element = await ConnectPage({ params: Promise.resolve({ provider: m[1]! }) });
    return new Response(`<!doctype html>${renderToStaticMarkup(element)}`, {
      headers: { "content-type": "text/html" },
    });
  }
  if (url.pathname === "/api/connections" && req.method === "GET") return listRoute(req);
  if (req.method === "POST" && (m = /^\/api\/connections\/([^/]+)\/preview$/.exec(url.pathname)))
    return previewRoute(req, { params: Promise.resolve({ provider: m[1]! }) });
  if ((m = /^\/api\/connections\/([^/]+)$/.exec(url.pathname))) {
    const seg = { params: Promise.resolve({ provider: m[1]! }) };
    if (req.method === "POST") return postRoute(req, seg);
    if (req.method === "DELETE") return deleteRoute(req, seg);
  }
  return new Response("not found", { status: 404 });
}

let server: TestServer;
let dataDir: string;

beforeAll(async () => {
  server = await serve(router);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fac-connect-"));
  process.env.APP_URL = server.url;
  process.env.DATA_DIR = dataDir;
  resetConfig();
  resetLocalKeyCache();
  resetRecentUsers();
});

afterAll(async () => {
  await server.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const post = (provider: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/api/connections/${provider}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      origin: server.url,
      "sec-fetch-site": "same-origin",
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
const bearer = async (u: typeof alice) => ({
  authorization: `Bearer ${await mintLocalAccessToken({ username: u.username })}`,
});

describe("connect flow: auth_required → consent page → POST → tool works", () => {
  it("connects exactly the user the link was made for", async () => {
    const p = asPrincipal(alice);
    const err = await toolError(gmailListMessages, {}, ctx(p));
    expect(err.code).toBe("auth_required");
    const link = err.details.connectUrl!;
    expect(link.startsWith(`${server.url}/connect/gmail#token=`)).toBe(true);
    const token = tokenOfConnectUrl(link)!;
    expect(new URL(link).search).toBe("");

    // The server renders the page without the token (browsers never send the fragment): it names
    // the provider and what the tools may do; whom it connects comes from the preview POST.
    const page = await (await fetch(link)).text();
    expect(page).toContain("Connect Gmail");
    expect(page).toContain("Send mail as you");
    expect(page).not.toContain(token);
    const preview = await post("gmail/preview", { token });
    expect(preview.status).toBe(200);
    expect(await preview.json()).toMatchObject({
      ok: true,
      provider: "gmail",
      username: alice.preferredUsername,
    });
    // Viewing the page and the preview record nothing.
    expect(await getConnection(alice.oid, "gmail")).toBeUndefined();

    const res = await post("gmail", { token });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      provider: "gmail",
      connected: true,
      accountLabel: alice.preferredUsername,
    });
    expect(await getConnection(alice.oid, "gmail")).toMatchObject({
      accountLabel: alice.preferredUsername,
    });
    expect(await getConnection(bob.oid, "gmail")).toBeUndefined();

    expect(await (await post("gmail/preview", { token })).json()).toMatchObject({
      connectedAs: alice.preferredUsername,
    });
    expect((await gmailListMessages.run({}, ctx(p))).messages.length).toBeGreaterThan(0);
  });

  it("refuses a bad or expired token in the preview; an unknown provider's page says so", async () => {
    const expired = await createConnectToken(
      { userId: bob.oid, provider: "graph", username: bob.preferredUsername },
      new Date(Date.now() - 3600_000),
    );
    expect((await post("graph/preview", { token: expired })).status).toBe(401);
    expect((await post("graph/preview", { token: "x" })).status).toBe(401);
    // The link's token is the credential, checked before anything else (authenticate first).
    expect((await post("graph/preview", {})).status).toBe(401);
    const valid = await createConnectToken({
      userId: bob.oid,
      provider: "graph",
      username: bob.preferredUsername,
    });
    expect(
      (await post("graph/preview", { token: valid }, { origin: "https://evil.example" })).status,
    ).toBe(403);
    expect((await post("dropbox/preview", { token: valid })).status).toBe(401);
    expect(await (await fetch(`${server.url}/connect/dropbox`)).text()).toContain(
      "Unknown provider",
    );
    // The page is the same with or without a token: nothing about the user is rendered server-side.
    expect(await (await fetch(`${server.url}/connect/graph`)).text()).toContain(
      "Connect Microsoft 365",
    );
  });
});

describe("POST /api/connections/:provider is CSRF-safe and user-bound", () => {
  it.each([
    ["a foreign Origin", { origin: "https://evil.example" }, 403],
    ["a cross-site fetch", { "sec-fetch-site": "cross-site" }, 403],
    ["a same-site (other subdomain) fetch", { "sec-fetch-site": "same-site" }, 403],
  ])("refuses %s", async (_l, headers, status) => {
    const token = await createConnectToken({
      userId: bob.oid,
      provider: "twilio",
      username: bob.preferredUsername,
    });
    const res = await post("twilio", { token }, headers);
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(await getConnection(bob.oid, "twilio")).toBeUndefined();
  });

  it("refuses an HTML form post (not JSON), a forged or foreign-provider token, and no credentials", async () => {
    const token = await createConnectToken({
      userId: bob.oid,
      provider: "twilio",
      username: bob.preferredUsername,
    });
    const form = await fetch(`${server.url}/api/connections/twilio`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `token=${token}`,
    });
    // No credential a connect link could carry: 401 before the content type is judged.
    expect(form.status).toBe(401);
    expect((await post("gmail", { token })).status).toBe(401);
    // challenge_on_invalid_connect_token (regression): every 401 says how to authenticate.
    const forged = await post("twilio", { token: `${token}x` });
    expect(forged.status).toBe(401);
    expect(forged.headers.get("www-authenticate")).toMatch(/^Bearer .*error="invalid_token"/);
    const none = await post("twilio", {});
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await post("dropbox", { token })).status).toBe(401);
    expect((await post("dropbox", {}, await bearer(bob))).status).toBe(404);
    expect(await getConnection(bob.oid, "twilio")).toBeUndefined();
  });

  it("with a bearer, the token must name the same user; a bearer alone connects its own user", async () => {
    const aliceToken = await createConnectToken({
      userId: alice.oid,
      provider: "graph",
      username: alice.preferredUsername,
    });
    const mismatch = await post("graph", { token: aliceToken }, await bearer(bob));
    expect(mismatch.status).toBe(403);
    expect(await getConnection(alice.oid, "graph")).toBeUndefined();
    expect(await getConnection(bob.oid, "graph")).toBeUndefined();

    const own = await post("graph", {}, await bearer(bob));
    expect(own.status).toBe(200);
    expect(await getConnection(bob.oid, "graph")).toMatchObject({
      accountLabel: bob.preferredUsername,
    });
    expect(await getConnection(alice.oid, "graph")).toBeUndefined();
  });

  it("GET lists only the caller's connections; DELETE disconnects only the caller", async () => {
    await post("twilio", {}, await bearer(alice));
    await post("twilio", {}, await bearer(bob));
    const list = await fetch(`${server.url}/api/connections`, { headers: await bearer(bob) });
    expect(list.status).toBe(200);
    const body = (await list.json()) as {
      providers: { provider: string; connected: boolean; connectUrl?: string; scopes?: string[] }[];
      consents: unknown[];
      consentsSupported: boolean;
    };
    const items = body.providers;
    expect(items.find((i) => i.provider === "twilio")).toMatchObject({
      connected: true,
      accountLabel: bob.preferredUsername,
      scopes: ["messages:create"],
    });
    expect(items.find((i) => i.provider === "gmail")).toMatchObject({ connected: false });
    expect(items.find((i) => i.provider === "gmail")!.connectUrl).toContain(
      "/connect/gmail#token=",
    );
    // This test serves no agent service: the consents are an empty list, not an error.
    expect(body).toMatchObject({ consents: [], consentsSupported: true });

    const del = await fetch(`${server.url}/api/connections/twilio`, {
      method: "DELETE",
      headers: await bearer(bob),
    });
    expect(del.status).toBe(204);
    expect(await getConnection(bob.oid, "twilio")).toBeUndefined();
    expect(await getConnection(alice.oid, "twilio")).toBeDefined();
    expect((await fetch(`${server.url}/api/connections`)).status).toBe(401);
  });
});

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as listRoute } from "@/app/api/connections/route";
import { DELETE as deleteRoute, POST as postRoute } from "@/app/api/connections/[provider]/route";
import ConnectPage from "@/app/connect/[provider]/page";
import { resetConfig } from "@/lib/config";
import { resetRecentUsers } from "@/lib/identity/authenticate";
import { resetLocalKeyCache } from "@/lib/identity/local-idp/keys";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { DEMO_USERS } from "@/lib/identity/local-idp/users";
import { gmailListMessages } from "@/mcp-server/catalog/tools/gmail-list-messages";
import { createConnectToken } from "@/mcp-server/connections/connect-token";
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
    const element = await ConnectPage({
      params: Promise.resolve({ provider: m[1]! }),
      searchParams: Promise.resolve(Object.fromEntries(url.searchParams)),
    });
    return new Response(`<!doctype html>${renderToStaticMarkup(element)}`, {
      headers: { "content-type": "text/html" },
    });
  }
  if (url.pathname === "/api/connections" && req.method === "GET") return listRoute(req);
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
    expect(link.startsWith(`${server.url}/connect/gmail?token=`)).toBe(true);

    const page = await (await fetch(link)).text();
    expect(page).toContain("Connect Gmail");
    expect(page).toContain(alice.preferredUsername);
    expect(page).toContain("Send mail as you");
    // Viewing the page records nothing.
    expect(await getConnection(alice.oid, "gmail")).toBeUndefined();

    const token = new URL(link).searchParams.get("token")!;
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

    const page2 = await (await fetch(link)).text();
    expect(page2).toContain(`Already connected as ${alice.preferredUsername}`);
    expect((await gmailListMessages.run({}, ctx(p))).messages.length).toBeGreaterThan(0);
  });

  it("shows an expired-link page for a bad or expired token and an unknown provider", async () => {
    const expired = await createConnectToken(
      { userId: bob.oid, provider: "graph", username: bob.preferredUsername },
      new Date(Date.now() - 3600_000),
    );
    expect(await (await fetch(`${server.url}/connect/graph?token=${expired}`)).text()).toContain(
      "This link has expired",
    );
    expect(await (await fetch(`${server.url}/connect/graph`)).text()).toContain(
      "This link has expired",
    );
    expect(await (await fetch(`${server.url}/connect/dropbox?token=x`)).text()).toContain(
      "Unknown provider",
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
    expect(form.status).toBe(415);
    expect((await post("gmail", { token })).status).toBe(401);
    expect((await post("twilio", { token: `${token}x` })).status).toBe(401);
    const none = await post("twilio", {});
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await post("dropbox", { token })).status).toBe(404);
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
    const items = (
      (await list.json()) as {
        items: { provider: string; connected: boolean; connectUrl?: string }[];
      }
    ).items;
    expect(items.find((i) => i.provider === "twilio")).toMatchObject({ connected: true });
    expect(items.find((i) => i.provider === "gmail")).toMatchObject({ connected: false });
    expect(items.find((i) => i.provider === "gmail")!.connectUrl).toContain(
      "/connect/gmail?token=",
    );

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

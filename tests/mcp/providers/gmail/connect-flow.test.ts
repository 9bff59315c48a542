import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { http, HttpResponse } from "msw";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DELETE as deleteRoute, POST as postRoute } from "@/app/api/connections/[provider]/route";
import { GET as callbackRoute } from "@/app/api/connections/[provider]/callback/route";
import { resetConfig } from "@/lib/config";
import { CONNECT_CHANNEL, CONNECTED_MESSAGE_TYPE } from "@/lib/connections/messages";
import { resetRecentUsers } from "@/lib/identity/authenticate";
import { resetLocalKeyCache } from "@/lib/identity/local-idp/keys";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { DEMO_USERS } from "@/lib/identity/local-idp/users";
import { gmailListMessages } from "@/mcp-server/catalog/tools/gmail-list-messages";
import { tokenOfConnectUrl } from "@/mcp-server/connections/connect-token";
import { connectPageInfo } from "@/mcp-server/connections/handlers";
import { getConnection } from "@/mcp-server/connections/store";
import { ctx, principal, toolError } from "../../tools/helpers";
import {
  ALL_SCOPES,
  CLIENT_ID,
  CLIENT_SECRET,
  GMAIL,
  REVOKE_URL,
  SEND,
  TOKEN_URL,
} from "./fake-google";
import { APP_URL, captureLogs, setupLiveGmail } from "./setup";

const { db, google, server } = setupLiveGmail();

const alice = DEMO_USERS.find((u) => u.username === "alice")!;
const bob = DEMO_USERS.find((u) => u.username === "bob")!;
const asPrincipal = (u: typeof alice) =>
  principal(u.username, { userId: u.oid, username: u.preferredUsername, name: u.name });

const REDIRECT_URI = `${APP_URL}/api/connections/gmail/callback`;
const COOKIE = "__Secure-fac-oauth-gmail";
const seg = { params: Promise.resolve({ provider: "gmail" }) };

let dataDir: string;
beforeAll(() => {
  // The local IdP signs the bearer tokens DELETE needs; its key lives in DATA_DIR.
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fac-gmail-connect-"));
  process.env.DATA_DIR = dataDir;
  resetConfig();
  resetLocalKeyCache();
  resetRecentUsers();
});
afterAll(() => {
  delete process.env.DATA_DIR;
  fs.rmSync(dataDir, { recursive: true, force: true });
});
beforeEach(() => {
  google.requests.length = 0;
});

/** The consent page's Connect button: POST the link's token (same-origin JSON, as the page does). */
function postConnect(body: unknown, headers: Record<string, string> = {}) {
  return postRoute(
    new Request(`${APP_URL}/api/connections/gmail`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        origin: APP_URL,
        "sec-fetch-site": "same-origin",
        ...headers,
      },
      body: JSON.stringify(body),
    }),
    seg,
  );
}

/** Google sends the popup back here (a top-level GET, with the SameSite=Lax cookie). */
function callback(query: Record<string, string>, cookie?: string) {
  return callbackRoute(
    new Request(`${REDIRECT_URI}?${new URLSearchParams(query)}`, {
      headers: cookie ? { cookie } : {},
    }),
    seg,
  );
}

async function linkToken(p: ReturnType<typeof asPrincipal>): Promise<string> {
  const err = await toolError(gmailListMessages, {}, ctx(p));
  expect(err.code).toBe("auth_required");
  return tokenOfConnectUrl(err.details.connectUrl!)!;
}

/** Starts the flow as the consent page does; returns Google's URL and the cookie to send back. */
async function begin(p: ReturnType<typeof asPrincipal>) {
  const res = await postConnect({ token: await linkToken(p) });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { authorizationUrl: string; connected: boolean };
  const setCookie = res.headers.get("set-cookie")!;
  const cookie = setCookie.split(";")[0]!;
  return { res, body, setCookie, cookie, url: new URL(body.authorizationUrl) };
}

/** Every row of every table, as text: what someone reading the database would see. */
async function databaseText(): Promise<string> {
  const d = db.handle().db;
  const tables = (await d.execute(
    sql`select table_name from information_schema.tables where table_schema = 'public'`,
  )) as unknown as { rows: { table_name: string }[] };
  const out: string[] = [];
  for (const { table_name } of tables.rows) {
    const rows = (await d.execute(
      sql.raw(`select row_to_json(t)::text as j from "${table_name}" t`),
    )) as unknown as { rows: { j: string }[] };
    out.push(...rows.rows.map((r) => r.j));
  }
  return out.join("\n");
}

describe("gmail live connect: consent popup → Google → callback", () => {
  it("connects_through_google_with_pkce_and_stores_only_sealed_tokens", async () => {
    const p = asPrincipal(alice);
    expect(connectPageInfo("gmail")).toMatchObject({ ok: true, authority: "Google" });

    const { body, setCookie, cookie, url } = await begin(p);
    // Nothing is recorded before Google says yes.
    expect(body.connected).toBe(false);
    expect(await getConnection(alice.oid, "gmail")).toBeUndefined();

    // The URL the popup is sent to: Google's authorization endpoint with exactly these parameters.
    expect(`${url.origin}${url.pathname}`).toBe("https://accounts.google.com/o/oauth2/v2/auth");
    const q = Object.fromEntries(url.searchParams);
    expect(Object.keys(q).sort()).toEqual(
      [
        "access_type",
        "client_id",
        "code_challenge",
        "code_challenge_method",
        "include_granted_scopes",
        "prompt",
        "redirect_uri",
        "response_type",
        "scope",
        "state",
      ].sort(),
    );
    expect(q).toMatchObject({
      response_type: "code",
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      scope: ALL_SCOPES.join(" "),
      access_type: "offline",
      prompt: "consent",
      include_granted_scopes: "true",
      code_challenge_method: "S256",
    });
    expect(q.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.href).not.toContain(CLIENT_SECRET);

    // The browser-binding cookie: only sent back to the callback, never readable by scripts.
    expect(setCookie).toMatch(new RegExp(`^${COOKIE}=[A-Za-z0-9_-]{43}; `));
    for (const attr of [
      "Path=/api/connections/gmail/callback",
      "Max-Age=600",
      "HttpOnly",
      "SameSite=Lax",
      "Secure",
    ])
      expect(setCookie.split("; ")).toContain(attr);

    // The user allows access at Google; Google redirects the popup to the callback.
    const code = google.issueCode(url.href);
    const { lines, result } = await captureLogs(() =>
      callback({ code, state: q.state!, scope: ALL_SCOPES.join(" ") }, cookie),
    );
    const page = result as Response;
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("set-cookie")).toMatch(new RegExp(`^${COOKIE}=; .*Max-Age=0`));
    const html = await page.text();
    expect(html).toContain("Gmail connected");
    expect(html).toContain("Connected as ana.real@gmail.com. You can close this window.");
    expect(html).toContain(CONNECTED_MESSAGE_TYPE);
    expect(html).toContain(CONNECT_CHANNEL);
    expect(html).not.toContain(code);

    // The code exchange: POST to the token endpoint with exactly the documented form fields.
    const exchange = google.requestsTo(TOKEN_URL);
    expect(exchange).toHaveLength(1);
    expect(exchange[0]!.method).toBe("POST");
    expect(exchange[0]!.headers.get("content-type")).toMatch(/^application\/x-www-form-urlencoded/);
    const form = Object.fromEntries(new URLSearchParams(exchange[0]!.body));
    expect(Object.keys(form).sort()).toEqual(
      ["client_id", "client_secret", "code", "code_verifier", "grant_type", "redirect_uri"].sort(),
    );
    expect(form).toMatchObject({
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT_URI,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });
    expect(createHash("sha256").update(form.code_verifier!).digest("base64url")).toBe(
      q.code_challenge,
    );

    // The account address comes from users.getProfile with the new access token.
    const [accessToken] = google.liveAccessTokens().slice(-1);
    const [refreshToken] = google.refreshTokens().slice(-1);
    const profile = google.requestsTo(`${GMAIL}/profile`);
    expect(profile).toHaveLength(1);
    expect(profile[0]!.headers.get("authorization")).toBe(`Bearer ${accessToken}`);

    // Recorded with what Google granted.
    expect(await getConnection(alice.oid, "gmail")).toMatchObject({
      accountLabel: "ana.real@gmail.com",
      scopes: ALL_SCOPES,
    });

    // Stored sealed: no table holds a token, the code or the verifier in plain text.
    const text = await databaseText();
    expect(text).toContain(`gmail-oauth:${alice.oid}`);
    expect(text).toContain(`gmail-access:${alice.oid}`);
    expect(text).not.toContain("gmail-oauth-state:");
    for (const secret of [refreshToken!, accessToken!, code, form.code_verifier!, q.state!])
      expect(text).not.toContain(secret);
    // Nor do the logs.
    expect(lines.join("\n")).toMatch(/Gmail connected/);
    for (const secret of [refreshToken!, accessToken!, code, form.code_verifier!, CLIENT_SECRET])
      expect(lines.join("\n")).not.toContain(secret);

    // The tool now works with the access token from the exchange (no refresh needed).
    google.requests.length = 0;
    await gmailListMessages.run({}, ctx(p));
    expect(google.requestsTo(TOKEN_URL)).toEqual([]);
    expect(google.requestsTo(`${GMAIL}/messages`)[0]!.headers.get("authorization")).toBe(
      `Bearer ${accessToken}`,
    );

    // A replayed callback (same code and state) is refused before Google is asked again.
    google.requests.length = 0;
    const replay = await callback({ code, state: q.state! }, cookie);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain("expired or was already used");
    expect(google.requests).toEqual([]);

    // Disconnect: the connection and the sealed tokens go, and the grant is revoked at Google
    // with the refresh token in the form body (never in the URL).
    const del = await deleteRoute(
      new Request(`${APP_URL}/api/connections/gmail`, {
        method: "DELETE",
        headers: {
          authorization: `Bearer ${await mintLocalAccessToken({ username: alice.username })}`,
        },
      }),
      seg,
    );
    expect(del.status).toBe(204);
    const revoke = google.requestsTo(REVOKE_URL);
    expect(revoke).toHaveLength(1);
    expect(revoke[0]!.method).toBe("POST");
    expect(revoke[0]!.url.search).toBe("");
    expect(new URLSearchParams(revoke[0]!.body).get("token")).toBe(refreshToken);
    expect(google.revoked).toEqual([refreshToken]);
    expect(await getConnection(alice.oid, "gmail")).toBeUndefined();
    expect(await databaseText()).not.toContain(`gmail-oauth:${alice.oid}`);
    expect(await databaseText()).not.toContain(`gmail-access:${alice.oid}`);
  });

  it("a_forged_state_is_refused_and_google_is_never_asked", async () => {
    const p = asPrincipal(bob);
    const { cookie } = await begin(p);
    google.requests.length = 0;
    const forged = await callback({ code: "4/0Aforged", state: "A".repeat(43) }, cookie);
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain("was not connected");
    expect(google.requests).toEqual([]);
    expect(await getConnection(bob.oid, "gmail")).toBeUndefined();

    const incomplete = await callback({ code: "4/0Aforged" }, cookie);
    expect(incomplete.status).toBe(400);
    expect(google.requests).toEqual([]);
  });

  it("a_callback_in_another_browser_without_the_binding_cookie_is_refused_and_the_state_is_spent", async () => {
    // Mallory starts a flow for herself and sends Google's URL to Bob: Bob's browser comes back
    // without Mallory's cookie, so Bob's Gmail is never attached to Mallory's account.
    const mallory = principal("mallory");
    const { url, cookie } = await begin(mallory);
    const code = google.issueCode(url.href);
    google.requests.length = 0;
    const res = await callback({ code, state: url.searchParams.get("state")! });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("started in another browser");
    expect(google.requests).toEqual([]);
    expect(await getConnection(mallory.userId, "gmail")).toBeUndefined();
    // The state was spent by that attempt: even the right browser cannot use it any more.
    expect((await callback({ code, state: url.searchParams.get("state")! }, cookie)).status).toBe(
      400,
    );

    // A cookie with another value is refused the same way.
    const again = await begin(mallory);
    const wrong = await callback(
      { code: google.issueCode(again.url.href), state: again.url.searchParams.get("state")! },
      `${COOKIE}=${"x".repeat(43)}`,
    );
    expect(wrong.status).toBe(403);
    expect(google.requestsTo(TOKEN_URL)).toEqual([]);
    expect(await getConnection(mallory.userId, "gmail")).toBeUndefined();
  });

  it("cancel_at_google_and_a_code_google_refuses_connect_nothing", async () => {
    const p = principal("canceller");
    const first = await begin(p);
    const denied = await callback(
      { error: "access_denied", state: first.url.searchParams.get("state")! },
      first.cookie,
    );
    expect(denied.status).toBe(200);
    expect(await denied.text()).toContain("You did not allow access");
    // The cancelled authorization's state is spent.
    const late = await callback(
      { code: google.issueCode(first.url.href), state: first.url.searchParams.get("state")! },
      first.cookie,
    );
    expect(late.status).toBe(400);
    expect(google.requestsTo(TOKEN_URL)).toEqual([]);

    const second = await begin(p);
    const bad = await callback(
      { code: "4/0Anot-issued", state: second.url.searchParams.get("state")! },
      second.cookie,
    );
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("Google did not accept this sign-in");
    expect(google.requestsTo(TOKEN_URL)).toHaveLength(1);
    expect(await getConnection(p.userId, "gmail")).toBeUndefined();
  });

  it("granular_consent_records_only_the_granted_scopes", async () => {
    const p = principal("granular");
    const { url, cookie } = await begin(p);
    // The user unticked read and compose on Google's screen.
    const code = google.issueCode(url.href, SEND);
    const res = await callback({ code, state: url.searchParams.get("state")! }, cookie);
    expect(res.status).toBe(200);
    // gmail.send cannot read the profile: the sign-in name labels the account instead.
    expect(google.requestsTo(`${GMAIL}/profile`)).toEqual([]);
    expect(await getConnection(p.userId, "gmail")).toMatchObject({
      accountLabel: p.username,
      scopes: [SEND],
    });
    const err = await toolError(gmailListMessages, {}, ctx(p));
    expect(err.code).toBe("auth_required");
    expect(err.message).toMatch(/does not allow the assistant to read your mail/);
  });

  it("disconnect_still_succeeds_when_google_cannot_revoke", async () => {
    const { connectLive } = await import("./setup");
    const p = asPrincipal(DEMO_USERS.find((u) => u.username === "carol")!);
    await connectLive(google, p);
    let revokeAttempts = 0;
    server.use(
      http.post(REVOKE_URL, () => {
        revokeAttempts += 1;
        return new HttpResponse(null, { status: 503 });
      }),
    );
    const del = await deleteRoute(
      new Request(`${APP_URL}/api/connections/gmail`, {
        method: "DELETE",
        headers: {
          authorization: `Bearer ${await mintLocalAccessToken({ username: "carol" })}`,
        },
      }),
      seg,
    );
    expect(del.status).toBe(204);
    expect(revokeAttempts).toBeGreaterThanOrEqual(1);
    expect(await getConnection(p.userId, "gmail")).toBeUndefined();
    expect(await databaseText()).not.toContain(`gmail-oauth:${p.userId}`);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fetchAuthConfig, type PublicAuthConfig } from "@/lib/identity/browser/auth-config";
import { safeReturnTo, SignInRequiredError } from "@/lib/identity/browser/auth-client";
import { LocalAuthClient, type BrowserEnv } from "@/lib/identity/browser/local-auth-client";
import type { TestServer } from "../helpers/serve";
import { callWithToken, resetAll, useEnv, useMemoryDb } from "./helpers";
import { formTokenIn, serveIdp } from "./idp-server";

let server: TestServer;
let env: ReturnType<typeof useEnv>;
let db: Awaited<ReturnType<typeof useMemoryDb>>;
let config: PublicAuthConfig;

/** A browser tab: sessionStorage, an address bar, and a clock the test can move. */
class FakeTab implements BrowserEnv {
  readonly store = new Map<string, string>();
  url: string;
  navigatedTo?: string;
  offsetMs = 0;
  constructor(url: string) {
    this.url = url;
  }
  storage = {
    getItem: (k: string) => this.store.get(k) ?? null,
    setItem: (k: string, v: string) => void this.store.set(k, v),
    removeItem: (k: string) => void this.store.delete(k),
  };
  navigate = (url: string) => {
    this.navigatedTo = url;
  };
  currentUrl = () => this.url;
  fetch: typeof fetch = (input, init) => fetch(input, init);
  now = () => Date.now() + this.offsetMs;
}

beforeAll(async () => {
  env = useEnv({});
  server = await serveIdp();
  db = await useMemoryDb();
  config = await fetchAuthConfig((input, init) => fetch(new URL(String(input), server.url), init));
});
afterAll(async () => {
  await db.close();
  await server.close();
  env.restore();
});
beforeEach(() => resetAll());

/** What the user does on the IdP's page: pick a demo account; the browser follows the redirect. */
async function pickUser(tab: FakeTab, username: string): Promise<void> {
  const html = await (await fetch(tab.navigatedTo!)).text();
  const res = await fetch(`${server.url}/local-idp/authorize/submit`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: server.url },
    body: new URLSearchParams({ form_token: formTokenIn(html)!, username }),
  });
  tab.url = res.headers.get("location")!;
}

/** A tab's environment as a plain object (spreadable). */
const pick = (t: FakeTab): BrowserEnv => ({
  storage: t.storage,
  navigate: t.navigate,
  currentUrl: t.currentUrl,
  fetch: t.fetch,
  now: t.now,
});

async function signedInTab(username: string, startAt = "/conversations/c1?x=1#m5") {
  const tab = new FakeTab(`${server.url}${startAt}`);
  const client = new LocalAuthClient(config, tab);
  expect(await client.init()).toBeNull();
  await client.signIn();
  await pickUser(tab, username);
  const after = new LocalAuthClient(config, tab); // the callback is a fresh page load
  const account = await after.init();
  return { tab, client: after, account };
}

describe("LocalAuthClient (browser, against the local IdP over HTTP)", () => {
  it("signs in with code + PKCE and returns the user to the page they were on", async () => {
    const { tab, client, account } = await signedInTab("carol");
    expect(new URL(tab.navigatedTo!).pathname).toBe("/local-idp/authorize");
    expect(new URL(tab.url).pathname).toBe("/auth/callback");
    expect(account).toEqual({
      username: "carol@contoso.local",
      name: "Carol Chen",
      roles: ["Approver"],
    });
    expect(client.takeReturnTo()).toBe("/conversations/c1?x=1#m5");
    expect(client.takeReturnTo()).toBeUndefined();
    const token = await client.getAccessToken();
    expect((await callWithToken(token)).status).toBe(200);
  });

  it("restores the session on the next page load without another sign-in", async () => {
    const { tab } = await signedInTab("alice");
    tab.url = `${server.url}/`;
    const reloaded = new LocalAuthClient(config, tab);
    expect(await reloaded.init()).toMatchObject({ username: "alice@contoso.local" });
  });

  it("refreshes the access token when it is about to expire", async () => {
    const { tab, client } = await signedInTab("bob");
    const before = await client.getAccessToken();
    tab.offsetMs = 59 * 60_000; // one minute left: inside the refresh margin
    const after = await client.getAccessToken();
    expect(after).not.toBe(before);
    expect((await callWithToken(after)).status).toBe(200);
    expect(await client.getAccessToken()).toBe(after); // fresh now, no second refresh
  });

  it("reports sign-in required when the refresh token is no longer accepted", async () => {
    const { tab, client } = await signedInTab("dana");
    resetAll(); // the IdP restarted and forgot its refresh tokens
    tab.offsetMs = 59 * 60_000;
    tab.url = `${server.url}/`;
    await expect(client.getAccessToken()).rejects.toBeInstanceOf(SignInRequiredError);
    expect(await new LocalAuthClient(config, tab).init()).toBeNull();
  });

  it("refuses a callback it did not start (state mismatch or replay)", async () => {
    const { tab } = await signedInTab("alice");
    // Back button onto the completed callback: the session stays, the code is not redeemed again.
    const back = new LocalAuthClient(config, tab);
    expect(await back.init()).toMatchObject({ username: "alice@contoso.local" });
    expect(back.takeReturnTo()).toBe("/");
    // The same callback URL in a tab that never started a sign-in is refused.
    const fresh = new FakeTab(tab.url);
    await expect(new LocalAuthClient(config, fresh).init()).rejects.toThrow(/sign in again/i);

    const victim = new FakeTab(`${server.url}/`);
    const c = new LocalAuthClient(config, victim);
    await c.signIn();
    const attacker = new FakeTab(`${server.url}/`);
    await new LocalAuthClient(config, attacker).signIn();
    await pickUser(attacker, "dana");
    victim.url = attacker.url; // the attacker's code lands in the victim's tab
    await expect(new LocalAuthClient(config, victim).init()).rejects.toThrow();
  });

  it("two_tabs_refreshing_at_once_stay_signed_in: the tabs share one session and refresh in turn", async () => {
    const { tab } = await signedInTab("bob");
    // A second tab of the same origin: the same localStorage, its own sessionStorage, one lock.
    let queue: Promise<unknown> = Promise.resolve();
    const withLock = <T>(_name: string, task: () => Promise<T>): Promise<T> => {
      const run = queue.then(task);
      queue = run.catch(() => {});
      return run;
    };
    const tabs = [tab, new FakeTab(`${server.url}/c/1`)].map((t) => {
      t.storage = tab.storage;
      t.offsetMs = 59 * 60_000; // both see the token about to expire
      return new LocalAuthClient(config, { ...pick(t), withLock });
    });
    const [a, b] = await Promise.all(tabs.map((c) => c.getAccessToken()));
    // One refresh: a replayed refresh token would have ended the sign-in for both.
    expect(a).toBe(b);
    expect((await callWithToken(a!)).status).toBe(200);
    tab.offsetMs = 2 * 59 * 60_000;
    expect((await callWithToken(await tabs[1]!.getAccessToken())).status).toBe(200);
  });

  it("signs out by forgetting the tokens", async () => {
    const { client, tab } = await signedInTab("alice");
    await client.signOut();
    await expect(client.getAccessToken()).rejects.toBeInstanceOf(SignInRequiredError);
    expect(tab.store.size).toBe(0);
  });

  it("only ever returns to same-origin paths", () => {
    expect(safeReturnTo("/a?b#c")).toBe("/a?b#c");
    expect(safeReturnTo("https://evil.example/")).toBe("/");
    expect(safeReturnTo("//evil.example/")).toBe("/");
    expect(safeReturnTo("/\\evil.example")).toBe("/");
    expect(safeReturnTo("/auth/callback?code=x")).toBe("/");
    expect(safeReturnTo(undefined)).toBe("/");
  });
});

import { and, eq, like } from "drizzle-orm";
import { decodeJwt } from "jose";
import type OpenAI from "openai";
import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db/client";
import { lfConnectionGrants, lfConsentRequests, mcpApiKeys } from "@/lib/db/schema";
import { CONNECTION_CLIENT_ID, connectionClientSecret } from "@/lib/identity/local-idp/clients";
import { KEY_CONNECTION, OAUTH_CONNECTION } from "@/lib/local-foundry/connections/definitions";
import { keyConnectionSecret } from "@/lib/local-foundry/connections/seed";
import { getGrant } from "@/lib/local-foundry/connections/store";
import { RETRY_MESSAGE } from "@/lib/local-foundry/model/scripted-replies";
import { seedLocalAgents } from "@/lib/local-foundry/seed";
import { answerConsent, grantConsentDirectly } from "./consent-helpers";
import { startHarness, type DemoUserName, type Harness } from "./harness";
import {
  connectProvider,
  doneItem,
  finalText,
  LISTING,
  MESSAGE,
  oidOf,
  outboxCount,
  shape,
  streamEvents,
  toolTestEnv,
} from "./mcp-helpers";

const CONSENT = [
  "response.output_item.added:oauth_consent_request",
  "response.output_item.done:oauth_consent_request",
];
const SMS = "Send an SMS to +14155550100 saying hello";

/**
 * Project connections of the local agent service, end to end over HTTP: the real openai client →
 * the service → the local IdP's consent page and token endpoint → the service's callback → our
 * /api/mcp, called with the user's own token (OAuth identity passthrough) or the app key.
 */
describe("local agent service: project connections and OAuth consent", () => {
  let h: Harness;
  const client = (user: DemoUserName): OpenAI => h.project(user).getOpenAIClient();

  beforeAll(async () => {
    toolTestEnv();
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  async function askConsent(user: DemoUserName, input: string = SMS) {
    const openai = client(user);
    const conv = await openai.conversations.create({});
    const events = await streamEvents(openai, { conversation: conv.id, input });
    return { openai, conv, events, consent: doneItem(events, "oauth_consent_request") };
  }

  const bearerOf = (headers: Headers) =>
    decodeJwt((headers.get("authorization") ?? "").replace(/^Bearer /, ""));

  it("asks for consent with an oauth_consent_request and ends the response completed", async () => {
    const { events, consent, conv, openai } = await askConsent("alice");
    expect(shape(events)).toEqual([
      "response.created",
      "response.in_progress",
      ...CONSENT,
      "response.completed",
    ]);
    const responseId = (events[0] as { response: { id: string } }).response.id;
    expect(Object.keys(consent)).toEqual([
      "type",
      "id",
      "consent_link",
      "server_label",
      "created_by",
      "agent_reference",
      "response_id",
    ]);
    expect(consent).toMatchObject({
      type: "oauth_consent_request",
      server_label: getConfig().mcp.serverLabel,
      created_by: { agent: { type: "agent_id", name: "assistant" }, response_id: responseId },
      agent_reference: { type: "agent_reference", name: "assistant" },
      response_id: responseId,
    });
    expect(consent.id).toMatch(/^oacr_/);
    const link = new URL(consent.consent_link as string);
    expect(`${link.origin}${link.pathname}`).toBe(`${h.url()}/local-idp/authorize`);
    const q = Object.fromEntries(link.searchParams);
    expect(q).toMatchObject({
      client_id: CONNECTION_CLIENT_ID,
      redirect_uri: `${h.url()}/local-foundry/connections/callback`,
      response_type: "code",
      code_challenge_method: "S256",
      login_hint: "alice",
      prompt: "consent",
    });
    expect(q.scope!.split(" ").sort()).toEqual(
      [`${getConfig().identity.apiAppIdUri}/access_as_user`, "offline_access"].sort(),
    );
    expect(q.state!.length).toBeGreaterThanOrEqual(40);
    expect(q.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const completed = events.at(-1) as { response: { status: string; output: unknown[] } };
    expect(completed.response.status).toBe("completed");
    expect(completed.response.output).toHaveLength(1);
    // The conversation holds the request, so a continuation finds it.
    const items = await openai.conversations.items.list(conv.id, { order: "asc" });
    expect(items.data.map((i) => i.type)).toEqual(["message", "oauth_consent_request"]);
    // Nothing reached our MCP server for alice.
    expect(h.mcpRequests).toHaveLength(0);
  });

  it("consent over HTTP (page → Allow → callback) stores the grant sealed; the continuation with no input calls as alice", async () => {
    await connectProvider("alice", "twilio");
    const { consent, conv, openai } = await askConsent("alice");
    const outcome = await answerConsent(h, consent.consent_link as string, "allow");

    // The consent page: who, which app, which permissions in words, Allow / Deny.
    expect(outcome.page).toContain("Alice Anderson");
    expect(outcome.page).toContain("alice@contoso.local");
    expect(outcome.page).toContain("Foundry Agent Chat local agent service");
    expect(outcome.page).toContain("Use the Foundry Agent Chat tools server as you");
    const buttons = outcome.page.match(/<button[^>]*>[^<]*<\/button>/g) ?? [];
    expect(buttons).toHaveLength(2);
    expect(buttons[0]).toMatch(/value="allow"[^>]*>Allow</);
    expect(buttons[1]).toMatch(/value="deny"[^>]*>Deny</);
    for (const b of buttons) expect(b).toContain('name="decision"');
    expect(outcome.page).not.toContain("Bob Brown"); // nobody else can be picked

    // The callback: code redeemed with the client secret and the PKCE verifier.
    expect(outcome.callbackUrl.startsWith(`${h.url()}/local-foundry/connections/callback?`)).toBe(
      true,
    );
    expect(new URL(outcome.callbackUrl).searchParams.get("code")).toBeTruthy();
    expect(outcome.callbackStatus).toBe(200);
    expect(outcome.callbackHtml).toContain("You can close this window.");
    expect(outcome.callbackHtml).toContain(
      '{"type":"foundry-agent-chat:consent","status":"allowed"}',
    );
    expect(outcome.callbackHtml).toContain("window.close()");
    const redeem = h.idpRequests.filter(
      (r) => r.path === "/local-idp/token" && r.form?.get("grant_type") === "authorization_code",
    );
    expect(redeem.at(-1)?.form?.get("code_verifier")).toBeTruthy();

    // Stored sealed: the row holds no token in plaintext.
    const db = await getDb();
    const [row] = await db
      .select()
      .from(lfConnectionGrants)
      .where(
        and(
          eq(lfConnectionGrants.connectionName, OAUTH_CONNECTION),
          eq(lfConnectionGrants.userId, oidOf("alice")),
        ),
      );
    expect(row!.tokens).toMatch(/^v1\./);
    expect(row!.tokens).not.toContain("eyJ");
    const grant = await getGrant(db, OAUTH_CONNECTION, oidOf("alice"));
    expect(row!.tokens).not.toContain(grant!.tokens.access_token);
    expect(row!.tokens).not.toContain(grant!.tokens.refresh_token!);
    const [request] = await db
      .select()
      .from(lfConsentRequests)
      .where(eq(lfConsentRequests.id, consent.id as string));
    expect(request!.status).toBe("allowed");
    expect(request!.codeVerifier).toMatch(/^v1\./);

    // Continuation: no new input, bound to the conversation → lists, then asks for approval.
    const before = h.mcpRequests.length;
    const next = await streamEvents(openai, { conversation: conv.id });
    expect(shape(next)).toEqual([
      "response.created",
      "response.in_progress",
      ...LISTING,
      "response.output_item.added:mcp_approval_request",
      "response.output_item.done:mcp_approval_request",
      "response.completed",
    ]);
    const approval = doneItem(next, "mcp_approval_request");
    expect(approval).toMatchObject({ name: "twilio_send_sms" });
    const done = await streamEvents(openai, {
      conversation: conv.id,
      input: [{ type: "mcp_approval_response", approval_request_id: approval.id, approve: true }],
    });
    expect(doneItem(done, "mcp_call")).toMatchObject({ status: "completed" });
    expect(await outboxCount("alice")).toBe(1);
    // Every MCP request carried alice's own token, issued to the connection client.
    const sent = h.mcpRequests.slice(before);
    expect(sent.length).toBeGreaterThan(0);
    for (const headers of sent) {
      const claims = bearerOf(headers);
      expect(claims.oid).toBe(oidOf("alice"));
      expect(claims.azp).toBe(CONNECTION_CLIENT_ID);
      expect(headers.get("x-api-key")).toBeNull();
    }
  });

  it("continues with previous_response_id and no input the same way", async () => {
    const openai = client("alice"); // alice has a grant now
    const first = await streamEvents(openai, { input: "Search the web for electric SUVs" });
    expect(doneItem(first, "mcp_call")).toMatchObject({ status: "completed" });
    const id = (first[0] as { response: { id: string } }).response.id;
    const again = await streamEvents(openai, { previous_response_id: id });
    expect(shape(again).slice(2, 6)).toEqual(LISTING);
    expect(finalText(again)).toContain("electric SUVs");
  });

  it("Deny: the callback records it, the continuation fails clearly without asking again; a new message asks again", async () => {
    const { consent, conv, openai } = await askConsent("bob");
    const outcome = await answerConsent(h, consent.consent_link as string, "deny");
    const back = new URL(outcome.callbackUrl);
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(outcome.callbackHtml).toContain('"status":"denied"');
    const db = await getDb();
    expect(await getGrant(db, OAUTH_CONNECTION, oidOf("bob"))).toBeUndefined();

    const next = await streamEvents(openai, { conversation: conv.id, input: [] });
    expect(shape(next)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added:mcp_list_tools",
      "response.mcp_list_tools.in_progress",
      "response.mcp_list_tools.failed",
      "response.output_item.done:mcp_list_tools",
      ...MESSAGE,
      "response.completed",
    ]);
    const listing = doneItem(next, "mcp_list_tools");
    expect(JSON.parse(listing.error as string)).toMatchObject({ code: "consent_declined" });
    expect(finalText(next)).toContain(`You declined access for ${getConfig().mcp.serverLabel}`);

    // Retry: a new user message asks again.
    const retry = await streamEvents(openai, { conversation: conv.id, input: SMS });
    expect(shape(retry)).toEqual([
      "response.created",
      "response.in_progress",
      ...CONSENT,
      "response.completed",
    ]);
    expect(doneItem(retry, "oauth_consent_request").id).not.toBe(consent.id);
  });

  it("refreshes an expired access token with the refresh token", async () => {
    const db = await getDb();
    const before = await getGrant(db, OAUTH_CONNECTION, oidOf("alice"));
    await db
      .update(lfConnectionGrants)
      .set({ accessExpiresAt: new Date(Date.now() - 1000) })
      .where(eq(lfConnectionGrants.userId, oidOf("alice")));
    const refreshes = () =>
      h.idpRequests.filter(
        (r) => r.path === "/local-idp/token" && r.form?.get("grant_type") === "refresh_token",
      ).length;
    const n = refreshes();
    const events = await streamEvents(client("alice"), { input: "Search the web for hybrids" });
    expect(doneItem(events, "mcp_call")).toMatchObject({ status: "completed" });
    expect(refreshes()).toBe(n + 1);
    const after = await getGrant(db, OAUTH_CONNECTION, oidOf("alice"));
    expect(after!.tokens.access_token).not.toBe(before!.tokens.access_token);
    expect(after!.tokens.refresh_token).not.toBe(before!.tokens.refresh_token); // rotated
    expect(after!.accessExpiresAt.getTime()).toBeGreaterThan(Date.now() + 60_000);
    expect(after!.refreshedAt).not.toBeNull();
  });

  it("a revoked refresh token drops the grant and the next run asks for consent again", async () => {
    const db = await getDb();
    const grant = await getGrant(db, OAUTH_CONNECTION, oidOf("alice"));
    const revoked = await fetch(`${h.url()}/local-idp/revoke`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${CONNECTION_CLIENT_ID}:${await connectionClientSecret()}`).toString("base64")}`,
      },
      body: new URLSearchParams({ token: grant!.tokens.refresh_token! }),
    });
    expect(revoked.status).toBe(200);
    await db
      .update(lfConnectionGrants)
      .set({ accessExpiresAt: new Date(Date.now() - 1000) })
      .where(eq(lfConnectionGrants.userId, oidOf("alice")));
    const events = await streamEvents(client("alice"), { input: "Search the web for vans" });
    expect(shape(events)).toEqual([
      "response.created",
      "response.in_progress",
      ...CONSENT,
      "response.completed",
    ]);
    expect(await getGrant(db, OAUTH_CONNECTION, oidOf("alice"))).toBeUndefined();
    // Consent again, for the tests that follow.
    await answerConsent(
      h,
      doneItem(events, "oauth_consent_request").consent_link as string,
      "allow",
    );
    expect(await getGrant(db, OAUTH_CONNECTION, oidOf("alice"))).toBeDefined();
  });

  it("lists connections without secrets and the caller's own grant; DELETE revokes, and the next run asks again", async () => {
    const list = async (user: DemoUserName) => {
      const res = await fetch(`${h.endpoint}/connections`, {
        headers: { authorization: `Bearer ${await h.token(user)}` },
      });
      expect(res.status).toBe(200);
      return {
        text: await res.clone().text(),
        body: (await res.json()) as { data: Record<string, unknown>[] },
      };
    };
    const alice = await list("alice");
    expect(alice.body.data.map((c) => [c.name, c.kind])).toEqual([
      [KEY_CONNECTION, "key"],
      [OAUTH_CONNECTION, "oauth_passthrough"],
    ]);
    const oauth = alice.body.data.find((c) => c.name === OAUTH_CONNECTION)!;
    expect(oauth.grant).toMatchObject({ status: "connected" });
    expect((oauth.grant as { scopes: string[] }).scopes).toContain("offline_access");
    expect(typeof (oauth.grant as { connected_at: number }).connected_at).toBe("number");
    expect(alice.text).not.toContain((await keyConnectionSecret())!);
    expect(alice.text).not.toContain((await connectionClientSecret())!);
    const carol = await list("carol");
    expect(carol.body.data.find((c) => c.name === OAUTH_CONNECTION)!.grant).toEqual({
      status: "not_connected",
    });

    const revokes = h.idpRequests.filter((r) => r.path === "/local-idp/revoke").length;
    const res = await fetch(`${h.endpoint}/connections/${OAUTH_CONNECTION}/grant`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${await h.token("alice")}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ deleted: true, refresh_token_revoked: true });
    expect(h.idpRequests.filter((r) => r.path === "/local-idp/revoke").length).toBe(revokes + 1);
    expect((await list("alice")).body.data.find((c) => c.name === OAUTH_CONNECTION)!.grant).toEqual(
      { status: "not_connected" },
    );
    const events = await streamEvents(client("alice"), { input: "Search the web for trucks" });
    expect(shape(events)).toContain("response.output_item.done:oauth_consent_request");
  });

  it("never uses another user's grant: bob is asked for his own consent and calls as bob", async () => {
    const db = await getDb();
    // alice consents again; bob has none.
    const a = await askConsent("alice", "Search the web for bikes");
    await answerConsent(h, a.consent.consent_link as string, "allow");
    expect(await getGrant(db, OAUTH_CONNECTION, oidOf("alice"))).toBeDefined();
    expect(await getGrant(db, OAUTH_CONNECTION, oidOf("bob"))).toBeUndefined();

    const b = await askConsent("bob", "Search the web for bikes");
    expect(new URL(b.consent.consent_link as string).searchParams.get("login_hint")).toBe("bob");
    // The link is bob's: its page shows bob only.
    const outcome = await answerConsent(h, b.consent.consent_link as string, "allow");
    expect(outcome.page).toContain("Bob Brown");
    expect(outcome.page).not.toContain("Alice Anderson");
    const before = h.mcpRequests.length;
    const next = await streamEvents(b.openai, { conversation: b.conv.id });
    expect(doneItem(next, "mcp_call")).toMatchObject({ status: "completed" });
    for (const headers of h.mcpRequests.slice(before))
      expect(bearerOf(headers).oid).toBe(oidOf("bob"));
    // A state answered once cannot be replayed.
    const replay = await fetch(outcome.callbackUrl);
    expect(replay.status).toBe(400);
  });

  it("the key connection's agent calls /api/mcp with the app key (Tools.Read), never as the user", async () => {
    const before = h.mcpRequests.length;
    const dana = client("dana"); // no grant at all: the key connection needs none
    const events = await dana.responses.create(
      { input: "Search the web for electric SUVs", stream: true },
      { body: { agent_reference: { type: "agent_reference", name: "concise-assistant" } } },
    );
    const all: ResponseStreamEvent[] = [];
    for await (const e of events as unknown as AsyncIterable<ResponseStreamEvent>) all.push(e);
    expect(doneItem(all, "mcp_call")).toMatchObject({ status: "completed", name: "tavily_search" });
    const key = await keyConnectionSecret();
    const sent = h.mcpRequests.slice(before);
    expect(sent.length).toBeGreaterThan(0);
    for (const headers of sent) {
      expect(headers.get("x-api-key")).toBe(key);
      expect(headers.get("authorization")).toBeNull();
    }
    const db = await getDb();
    const keys = await db
      .select()
      .from(mcpApiKeys)
      .where(like(mcpApiKeys.name, `local-foundry-${KEY_CONNECTION}-%`));
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kind: "app", roles: ["Tools.Read"], revokedAt: null });
  });

  it("seeding again (also concurrently) reuses the connections' secrets", async () => {
    const db = await getDb();
    const key = await keyConnectionSecret();
    const secret = await connectionClientSecret();
    await Promise.all([seedLocalAgents(db), seedLocalAgents(db), seedLocalAgents(db)]);
    expect(await keyConnectionSecret()).toBe(key);
    expect(await connectionClientSecret()).toBe(secret);
    const keys = await db
      .select()
      .from(mcpApiKeys)
      .where(like(mcpApiKeys.name, `local-foundry-${KEY_CONNECTION}-%`));
    expect(keys).toHaveLength(1);
  });

  it("'Retry the last tool call.' re-issues the call that failed with auth_required", async () => {
    const openai = client("carol");
    const conv = await openai.conversations.create({});
    const ask = await streamEvents(openai, { conversation: conv.id, input: SMS });
    await answerConsent(h, doneItem(ask, "oauth_consent_request").consent_link as string, "allow");
    const first = doneItem(
      await streamEvents(openai, { conversation: conv.id }),
      "mcp_approval_request",
    );
    const failed = await streamEvents(openai, {
      conversation: conv.id,
      input: [{ type: "mcp_approval_response", approval_request_id: first.id, approve: true }],
    });
    const call = doneItem(failed, "mcp_call");
    expect(JSON.parse(call.error as string)).toMatchObject({ code: "auth_required" });

    await connectProvider("carol", "twilio");
    const retry = await streamEvents(openai, { conversation: conv.id, input: RETRY_MESSAGE });
    const again = doneItem(retry, "mcp_approval_request");
    expect(again).toMatchObject({ name: call.name, arguments: call.arguments });
    expect(again.id).not.toBe(first.id);
    const done = await streamEvents(openai, {
      conversation: conv.id,
      input: [{ type: "mcp_approval_response", approval_request_id: again.id, approve: true }],
    });
    expect(doneItem(done, "mcp_call")).toMatchObject({ status: "completed" });
    expect(await outboxCount("carol")).toBe(1);
  });

  it("grantConsentDirectly (for suites not about consent) lets the default agent list tools at once", async () => {
    await grantConsentDirectly("dana");
    const events = await streamEvents(client("dana"), { input: "hello there" });
    expect(shape(events).slice(2, 6)).toEqual(LISTING);
  });
});

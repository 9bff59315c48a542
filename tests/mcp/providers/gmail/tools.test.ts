import { and, eq } from "drizzle-orm";
import { http, HttpResponse } from "msw";
import { beforeEach, describe, expect, it } from "vitest";
import { providerConnections, providerSessions, sealedSecrets } from "@/lib/db/schema";
import { gmailCreateDraft } from "@/mcp-server/catalog/tools/gmail-create-draft";
import { gmailListMessages } from "@/mcp-server/catalog/tools/gmail-list-messages";
import { gmailSearchEmails } from "@/mcp-server/catalog/tools/gmail-search-emails";
import { gmailSendEmail } from "@/mcp-server/catalog/tools/gmail-send-email";
import { tokenOfConnectUrl, verifyConnectToken } from "@/mcp-server/connections/connect-token";
import { getConnection } from "@/mcp-server/connections/store";
import { executeTool } from "@/mcp-server/execute";
import { ctx, principal, toolError } from "../../tools/helpers";
import {
  CLIENT_ID,
  CLIENT_SECRET,
  GMAIL,
  READONLY,
  TOKEN_URL,
  decodeRaw,
  googleError,
  parseMessage,
  type FakeMessage,
} from "./fake-google";
import { APP_URL, captureLogs, connectLive, setupLiveGmail } from "./setup";

const { db, google, server } = setupLiveGmail();

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const word = (s: string) => `=?UTF-8?B?${b64(s)}?=`;

const inbox: FakeMessage[] = [
  {
    id: "18c1a2b3c4d5e6f7",
    threadId: "18c1a2b3c4d5e600",
    labelIds: ["INBOX", "UNREAD", "IMPORTANT"],
    snippet: "Hi Ana, it&#39;s ready &amp; waiting &lt;3",
    internalDate: String(Date.UTC(2026, 0, 15, 9, 30)),
    headers: {
      From: `${word("José Müller")} <jose@example.com>`,
      To: 'Ana <ana.real@gmail.com>, "Team, Sales" <team@example.com>',
      Subject: `${word("Prueba de conducción")} ${word(" — sábado")}`,
      "Message-ID": "<CAF1-second@mail.example.com>",
      References: "<CAF0-first@mail.example.com>",
    },
    body: "Hi Ana,\nIt's ready.\n",
    attachment: true,
  },
  {
    id: "18c1a2b3c4d5e6f8",
    threadId: "18c1a2b3c4d5e6f8",
    labelIds: ["INBOX"],
    snippet: "Numbers attached",
    internalDate: String(Date.UTC(2026, 0, 14, 8, 0)),
    headers: {
      From: "finance@example.com",
      To: "ana.real@gmail.com",
      Cc: "cfo@example.com",
      Subject: "Quarterly numbers",
    },
    body: "See below.",
  },
];

beforeEach(() => {
  google.messages = structuredClone(inbox);
  google.requests.length = 0;
});

async function connected(name: string, scopes?: string[]) {
  const p = principal(name);
  const { refreshToken } = await connectLive(google, p, scopes);
  return { p, refreshToken };
}

const gmailCalls = () => google.requestsTo(GMAIL);
const tokenCalls = () => google.requestsTo(TOKEN_URL);

describe("gmail live: reading", () => {
  it("list_messages_redeems_the_refresh_token_then_lists_and_gets_metadata_with_the_bearer", async () => {
    const { p, refreshToken } = await connected("lister");
    const page = await gmailListMessages.run(
      { labelIds: ["INBOX", "UNREAD"], maxResults: 5 },
      ctx(p),
    );

    // One refresh (grant_type=refresh_token, client credentials in the form body).
    expect(tokenCalls()).toHaveLength(1);
    const form = new URLSearchParams(tokenCalls()[0]!.body);
    expect(Object.fromEntries(form)).toEqual({
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });
    const [accessToken] = google.liveAccessTokens().slice(-1);

    const [list, get] = gmailCalls();
    expect(list!.method).toBe("GET");
    expect(list!.url.pathname).toBe("/gmail/v1/users/me/messages");
    expect([...list!.url.searchParams].sort()).toEqual([
      ["labelIds", "INBOX"],
      ["labelIds", "UNREAD"],
      ["maxResults", "5"],
    ]);
    expect(list!.headers.get("authorization")).toBe(`Bearer ${accessToken}`);
    expect(get!.method).toBe("GET");
    expect(get!.url.pathname).toBe("/gmail/v1/users/me/messages/18c1a2b3c4d5e6f7");
    expect(get!.url.searchParams.get("format")).toBe("metadata");
    expect(get!.url.searchParams.getAll("metadataHeaders")).toEqual([
      "From",
      "To",
      "Cc",
      "Subject",
      "Content-Type",
    ]);
    expect(get!.headers.get("authorization")).toBe(`Bearer ${accessToken}`);
    expect(gmailCalls()).toHaveLength(2);

    expect(page).toEqual({
      messages: [
        {
          id: "18c1a2b3c4d5e6f7",
          threadId: "18c1a2b3c4d5e600",
          labelIds: ["INBOX", "UNREAD", "IMPORTANT"],
          from: "José Müller <jose@example.com>",
          to: ["Ana <ana.real@gmail.com>", '"Team, Sales" <team@example.com>'],
          cc: [],
          subject: "Prueba de conducción — sábado",
          snippet: "Hi Ana, it's ready & waiting <3",
          date: "2026-01-15T09:30:00.000Z",
          unread: true,
          hasAttachment: true,
        },
      ],
      resultSizeEstimate: 1,
    });
  });

  it("include_body_gets_the_full_format_and_returns_the_plain_text_part", async () => {
    const { p } = await connected("bodies");
    const page = await gmailListMessages.run({ includeBody: true, maxResults: 2 }, ctx(p));
    const gets = gmailCalls().filter((r) => r.url.pathname.includes("/messages/"));
    expect(gets.map((r) => r.url.searchParams.get("format"))).toEqual(["full", "full"]);
    expect(gets[0]!.url.searchParams.getAll("metadataHeaders")).toEqual([]);
    expect(page.messages[0]).toMatchObject({ body: "Hi Ana,\nIt's ready.\n", hasAttachment: true });
    expect(page.messages[1]).toMatchObject({
      body: "See below.",
      hasAttachment: false,
      cc: ["cfo@example.com"],
    });
  });

  it("search_passes_the_query_as_q_and_pages_with_the_providers_token", async () => {
    const { p } = await connected("searcher");
    const query = 'from:jose "test drive" -is:read';
    const first = await gmailSearchEmails.run({ query, maxResults: 1 }, ctx(p));
    const list = gmailCalls()[0]!;
    expect(list.url.pathname).toBe("/gmail/v1/users/me/messages");
    expect(list.url.searchParams.get("q")).toBe(query);
    // googleapis-common serialises spaces as %20 (not +), so Gmail reads the query verbatim.
    expect(list.url.search).toContain("q=from%3Ajose%20%22test%20drive%22%20-is%3Aread");
    expect(first.nextPageToken).toBe("1");
    expect(first.resultSizeEstimate).toBe(2);

    google.requests.length = 0;
    const second = await gmailSearchEmails.run(
      { query, maxResults: 1, pageToken: first.nextPageToken },
      ctx(p),
    );
    expect(gmailCalls()[0]!.url.searchParams.get("pageToken")).toBe("1");
    expect(second.messages.map((m) => m.subject)).toEqual(["Quarterly numbers"]);
    expect(second.nextPageToken).toBeUndefined();
  });

  it("a_message_deleted_between_list_and_get_is_left_out", async () => {
    const { p } = await connected("deleted");
    server.use(
      http.get(
        `${GMAIL}/messages/18c1a2b3c4d5e6f7`,
        () =>
          HttpResponse.json(
            googleError(404, "NOT_FOUND", "Requested entity was not found.", "notFound"),
            {
              status: 404,
            },
          ),
        { once: true },
      ),
    );
    const page = await gmailListMessages.run({}, ctx(p));
    expect(page.messages.map((m) => m.id)).toEqual(["18c1a2b3c4d5e6f8"]);
  });
});

describe("gmail live: sending and drafts", () => {
  it("send_posts_raw_rfc2822_with_recipients_and_a_base64_utf8_body", async () => {
    const { p } = await connected("sender");
    const out = await gmailSendEmail.run(
      {
        to: ["bo@example.com", "carla@example.com"],
        cc: ["dan@example.com"],
        bcc: ["eve@example.com"],
        subject: "Test drive confirmed",
        body: "Hi Bo,\nSaturday 10:00 works.\n",
      },
      ctx(p),
    );
    const send = gmailCalls().find((r) => r.url.pathname.endsWith("/messages/send"))!;
    expect(send.method).toBe("POST");
    expect(send.url.pathname).toBe("/gmail/v1/users/me/messages/send");
    expect(send.url.search).toBe("");
    expect(send.headers.get("content-type")).toMatch(/^application\/json/);
    expect(send.headers.get("authorization")).toMatch(/^Bearer ya29\./);
    const body = JSON.parse(send.body) as Record<string, string>;
    expect(Object.keys(body)).toEqual(["raw"]);
    expect(decodeRaw(body.raw!)).toBe(
      [
        "To: bo@example.com, carla@example.com",
        "Cc: dan@example.com",
        "Bcc: eve@example.com",
        "Subject: Test drive confirmed",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: base64",
        "",
        b64("Hi Bo,\r\nSaturday 10:00 works.\r\n"),
        "",
      ].join("\r\n"),
    );
    expect(out).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      threadId: out.id,
      labelIds: ["SENT"],
      status: "sent",
    });
  });

  it("non_ascii_subject_and_body_are_encoded_words_and_utf8_base64", async () => {
    const { p } = await connected("unicode");
    const subject = "Probefahrt am Sonnabend — Grüße aus Köln 🚗";
    const text = "Schöne Grüße,\nJürgen — 東京から\n";
    await gmailSendEmail.run({ to: ["bo@example.com"], subject, body: text }, ctx(p));
    const { headers, body } = parseMessage(decodeRaw(google.sent.at(-1)!.raw));
    const raw = headers.get("subject")!;
    expect(raw).toMatch(/^(=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=)( =\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=)*$/);
    // Whitespace between encoded-words is not part of the text (RFC 2047 §6.2).
    const decoded = raw
      .split(" ")
      .map((w) => Buffer.from(w.slice(10, -2), "base64"))
      .reduce((a, b) => Buffer.concat([a, b]))
      .toString("utf8");
    expect(decoded).toBe(subject);
    expect(body).toBe("Schöne Grüße,\r\nJürgen — 東京から\r\n");
  });

  it("a_reply_reads_the_thread_and_sets_in_reply_to_references_and_thread_id", async () => {
    const { p } = await connected("replier");
    const out = await gmailSendEmail.run(
      {
        to: ["jose@example.com"],
        subject: "Re: Prueba de conducción",
        body: "Thanks!",
        threadId: "18c1a2b3c4d5e600",
      },
      ctx(p),
    );
    const thread = gmailCalls().find((r) => r.url.pathname.includes("/threads/"))!;
    expect(thread.method).toBe("GET");
    expect(thread.url.pathname).toBe("/gmail/v1/users/me/threads/18c1a2b3c4d5e600");
    expect(thread.url.searchParams.get("format")).toBe("metadata");
    expect(thread.url.searchParams.getAll("metadataHeaders")).toEqual(["Message-ID", "References"]);
    const sent = google.sent.at(-1)!;
    expect(sent.threadId).toBe("18c1a2b3c4d5e600");
    const { headers } = parseMessage(decodeRaw(sent.raw));
    expect(headers.get("in-reply-to")).toBe("<CAF1-second@mail.example.com>");
    expect(headers.get("references")).toBe(
      "<CAF0-first@mail.example.com> <CAF1-second@mail.example.com>",
    );
    expect(out.threadId).toBe("18c1a2b3c4d5e600");
  });

  it("without_gmail_readonly_a_reply_carries_the_thread_id_only", async () => {
    const { p } = await connected("sendonly", ["https://www.googleapis.com/auth/gmail.send"]);
    await gmailSendEmail.run(
      { to: ["jose@example.com"], subject: "Re: x", body: "ok", threadId: "18c1a2b3c4d5e600" },
      ctx(p),
    );
    expect(gmailCalls().some((r) => r.url.pathname.includes("/threads/"))).toBe(false);
    const sent = google.sent.at(-1)!;
    expect(sent.threadId).toBe("18c1a2b3c4d5e600");
    expect(parseMessage(decodeRaw(sent.raw)).headers.has("in-reply-to")).toBe(false);
  });

  it("create_draft_posts_message_raw_and_maps_the_draft", async () => {
    const { p } = await connected("drafter");
    const out = await gmailCreateDraft.run(
      { subject: "Draft: offer", body: "Price: 24 990 €" },
      ctx(p),
    );
    const post = gmailCalls().find((r) => r.url.pathname.endsWith("/drafts"))!;
    expect(post.method).toBe("POST");
    expect(post.url.pathname).toBe("/gmail/v1/users/me/drafts");
    const body = JSON.parse(post.body) as { message: Record<string, string> };
    expect(Object.keys(body)).toEqual(["message"]);
    expect(Object.keys(body.message)).toEqual(["raw"]);
    expect(decodeRaw(body.message.raw!)).toBe(
      [
        "Subject: Draft: offer",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: base64",
        "",
        b64("Price: 24 990 €"),
        "",
      ].join("\r\n"),
    );
    expect(out).toEqual({
      id: expect.stringMatching(/^r-/),
      message: { id: expect.any(String), threadId: expect.any(String), labelIds: ["DRAFT"] },
    });
  });

  it("header_injection_and_bad_addresses_are_refused_before_anything_reaches_google", async () => {
    const { p } = await connected("injector");
    const injected = await toolError(
      gmailSendEmail,
      { to: ["bo@example.com"], subject: "Hi\r\nBcc: victim@example.com", body: "x" },
      ctx(p),
    );
    expect(injected.code).toBe("invalid_arguments");
    expect(injected.message).toMatch(/subject must be a single line/);
    const draft = await toolError(
      gmailCreateDraft,
      { subject: "ok\nX-Evil: 1", body: "x" },
      ctx(p),
    );
    expect(draft.code).toBe("invalid_arguments");
    expect(google.requests).toEqual([]);
  });
});

describe("gmail live: errors", () => {
  it("a_400_is_invalid_arguments_with_googles_reason", async () => {
    const { p } = await connected("bad-request");
    server.use(
      http.post(`${GMAIL}/messages/send`, () =>
        HttpResponse.json(
          googleError(400, "INVALID_ARGUMENT", "Invalid To header", "invalidArgument"),
          {
            status: 400,
          },
        ),
      ),
    );
    const err = await toolError(
      gmailSendEmail,
      { to: ["bo@example.com"], subject: "s", body: "b" },
      ctx(p),
    );
    expect(err.code).toBe("invalid_arguments");
    expect(err.message).toBe("Gmail refused the request: Invalid To header");
  });

  it("an_expired_access_token_is_refreshed_once_and_the_call_retried_transparently", async () => {
    const { p } = await connected("expiring");
    await gmailListMessages.run({ maxResults: 1 }, ctx(p));
    const firstToken = google.liveAccessTokens().at(-1)!;
    google.expireAccessTokens();
    google.requests.length = 0;

    const page = await gmailListMessages.run({ maxResults: 1 }, ctx(p));
    expect(page.messages).toHaveLength(1);
    const lists = gmailCalls().filter((r) => r.url.pathname.endsWith("/messages"));
    expect(lists).toHaveLength(2);
    expect(lists[0]!.headers.get("authorization")).toBe(`Bearer ${firstToken}`);
    expect(tokenCalls()).toHaveLength(1);
    expect(new URLSearchParams(tokenCalls()[0]!.body).get("grant_type")).toBe("refresh_token");
    const secondToken = google.liveAccessTokens().at(-1)!;
    expect(secondToken).not.toBe(firstToken);
    expect(lists[1]!.headers.get("authorization")).toBe(`Bearer ${secondToken}`);
  });

  it("a_second_401_after_the_refresh_is_session_expired", async () => {
    const { p } = await connected("rejected");
    server.use(
      http.get(`${GMAIL}/messages`, async ({ request }) => {
        google.requests.push({
          method: request.method,
          url: new URL(request.url),
          headers: request.headers,
          body: "",
        });
        return HttpResponse.json(
          googleError(401, "UNAUTHENTICATED", "Invalid Credentials", "authError"),
          {
            status: 401,
          },
        );
      }),
    );
    const err = await toolError(gmailListMessages, {}, ctx(p));
    expect(err.code).toBe("session_expired");
    expect(err.details.retriable).toBe(true);
    // The session was created (one refresh), rejected, renewed (a second refresh), rejected again.
    expect(gmailCalls()).toHaveLength(2);
    expect(tokenCalls()).toHaveLength(2);
  });

  it("a_revoked_grant_removes_the_connection_and_sealed_tokens_and_asks_to_connect_again", async () => {
    const { p } = await connected("revoked");
    google.revokeAll();
    const err = await toolError(gmailSearchEmails, { query: "hello" }, ctx(p));
    expect(err.code).toBe("auth_required");
    expect(err.details.provider).toBe("gmail");
    const link = err.details.connectUrl!;
    expect(link.startsWith(`${APP_URL}/connect/gmail#token=`)).toBe(true);
    expect(await verifyConnectToken(tokenOfConnectUrl(link)!, "gmail")).toMatchObject({
      userId: p.userId,
    });
    expect(tokenCalls()).toHaveLength(1);
    expect(gmailCalls()).toEqual([]);
    expect(await getConnection(p.userId, "gmail")).toBeUndefined();
    const rows = await db
      .handle()
      .db.select()
      .from(sealedSecrets)
      .where(eq(sealedSecrets.key, `gmail-oauth:${p.userId}`));
    expect(rows).toEqual([]);
    const sessions = await db
      .handle()
      .db.select()
      .from(providerSessions)
      .where(and(eq(providerSessions.userId, p.userId), eq(providerSessions.provider, "gmail")));
    expect(sessions).toEqual([]);
  });

  it("a_tool_whose_scope_was_not_granted_is_auth_required_without_calling_google", async () => {
    const { p } = await connected("readonly", [READONLY]);
    for (const [tool, input] of [
      [gmailSendEmail, { to: ["bo@example.com"], subject: "s", body: "b" }],
      [gmailCreateDraft, { subject: "s", body: "b" }],
    ] as const) {
      const err = await toolError(tool, input, ctx(p));
      expect(err.code).toBe("auth_required");
      expect(err.message).toMatch(/does not allow the assistant to (send mail|create drafts)/);
      expect(err.details.connectUrl).toMatch(/\/connect\/gmail#token=/);
    }
    expect(google.requests).toEqual([]);
    // Reading is granted and works.
    expect((await gmailListMessages.run({}, ctx(p))).messages).toHaveLength(2);
  });

  it("googles_insufficient_permissions_403_is_auth_required", async () => {
    // Recorded as all three, but Google's token only carries gmail.readonly.
    const p = principal("stale-scopes");
    const { refreshToken } = google.grant(READONLY);
    const { saveGrant } = await import("@/mcp-server/providers/gmail/tokens");
    const { recordConnection } = await import("@/mcp-server/connections/store");
    await saveGrant(p.userId, { refreshToken, scopes: [READONLY] });
    await recordConnection(p.userId, "gmail", "x@gmail.com");
    const err = await toolError(gmailCreateDraft, { subject: "s", body: "b" }, ctx(p));
    expect(err.code).toBe("auth_required");
    expect(err.message).toMatch(/Google says/);
    expect(err.details.connectUrl).toMatch(/\/connect\/gmail#token=/);
  });

  it("a_429_is_rate_limited_with_retry_after", async () => {
    const { p } = await connected("limited");
    server.use(
      http.get(`${GMAIL}/messages`, () =>
        HttpResponse.json(
          googleError(429, "RESOURCE_EXHAUSTED", "Too many requests", "rateLimitExceeded"),
          {
            status: 429,
            headers: { "retry-after": "17" },
          },
        ),
      ),
    );
    const err = await toolError(gmailListMessages, {}, ctx(p));
    expect(err.code).toBe("rate_limited");
    expect(err.details).toMatchObject({
      retriable: true,
      retryAfterSeconds: 17,
      provider: "gmail",
    });

    // Through the MCP pipeline the answer carries retry_after_seconds.
    const { result } = await executeTool(
      gmailListMessages,
      {},
      {
        principal: p,
        correlationId: "0af7651916cd43dd8448eb211c80319c",
        timeoutMs: 5_000,
      },
    );
    expect(result.isError).toBe(true);
    expect(JSON.parse((result.content[0] as { text: string }).text)).toMatchObject({
      code: "rate_limited",
      retry_after_seconds: 17,
    });
  });

  it("a_403_user_rate_limit_is_rate_limited_until_the_time_gmail_names", async () => {
    const { p } = await connected("user-limit");
    const at = new Date(Date.now() + 30_000).toISOString();
    server.use(
      http.post(`${GMAIL}/messages/send`, () =>
        HttpResponse.json(
          googleError(
            403,
            "PERMISSION_DENIED",
            `User-rate limit exceeded.  Retry after ${at}`,
            "userRateLimitExceeded",
          ),
          { status: 403 },
        ),
      ),
    );
    const err = await toolError(
      gmailSendEmail,
      { to: ["bo@example.com"], subject: "s", body: "b" },
      ctx(p),
    );
    expect(err.code).toBe("rate_limited");
    expect(err.details.retryAfterSeconds).toBeGreaterThanOrEqual(29);
    expect(err.details.retryAfterSeconds).toBeLessThanOrEqual(31);
  });

  it("an_unknown_thread_is_not_found_and_nothing_is_sent", async () => {
    const { p } = await connected("no-thread");
    const err = await toolError(
      gmailSendEmail,
      { to: ["bo@example.com"], subject: "Re: x", body: "b", threadId: "0000000000000000" },
      ctx(p),
    );
    expect(err.code).toBe("not_found");
    expect(gmailCalls().some((r) => r.url.pathname.endsWith("/send"))).toBe(false);
  });

  it("5xx_and_network_failures_are_retriable_provider_errors_and_other_403s_forbidden", async () => {
    const { p } = await connected("flaky");
    server.use(
      http.get(
        `${GMAIL}/messages`,
        () =>
          HttpResponse.json(googleError(503, "UNAVAILABLE", "Backend Error", "backendError"), {
            status: 503,
          }),
        { once: true },
      ),
    );
    const unavailable = await toolError(gmailListMessages, {}, ctx(p));
    expect(unavailable.code).toBe("provider_error");
    expect(unavailable.details.retriable).toBe(true);

    server.use(http.post(`${GMAIL}/messages/send`, () => HttpResponse.error(), { once: true }));
    const network = await toolError(
      gmailSendEmail,
      { to: ["bo@example.com"], subject: "s", body: "b" },
      ctx(p),
    );
    expect(network.code).toBe("provider_error");
    expect(network.details.retriable).toBe(true);

    server.use(
      http.post(
        `${GMAIL}/drafts`,
        () =>
          HttpResponse.json(
            googleError(403, "PERMISSION_DENIED", "Delegation denied", "forbidden"),
            {
              status: 403,
            },
          ),
        { once: true },
      ),
    );
    const forbidden = await toolError(gmailCreateDraft, { subject: "s", body: "b" }, ctx(p));
    expect(forbidden.code).toBe("forbidden");
  });

  it("no_token_client_secret_or_message_text_reaches_the_logs", async () => {
    const { p, refreshToken } = await connected("quiet");
    const secretBody = "The alarm code is 4711 — do not share";
    // A working call first, so an access token exists that a careless log line could carry.
    await gmailListMessages.run({ maxResults: 1 }, ctx(p));
    const accessToken = google.liveAccessTokens().at(-1)!;
    google.expireAccessTokens();
    server.use(
      http.post(TOKEN_URL, () =>
        HttpResponse.json(
          { error: "invalid_client", error_description: "Unauthorized" },
          { status: 401 },
        ),
      ),
    );
    const { lines } = await captureLogs(async () => {
      const outcomes = await Promise.all([
        executeTool(
          gmailSendEmail,
          { to: ["bo@example.com"], subject: "s", body: secretBody },
          {
            principal: p,
            correlationId: "0af7651916cd43dd8448eb211c80319c",
            timeoutMs: 5_000,
          },
        ),
        toolError(gmailListMessages, {}, ctx(p)),
      ]);
      return outcomes;
    });
    // The failures were logged (so the check below looks at real lines) …
    expect(lines.join("\n")).toMatch(/refreshing the Gmail access token failed/);
    expect(lines.join("\n")).toMatch(/"status":401/);
    // … and none carries a credential or the message.
    for (const secret of [accessToken, refreshToken, CLIENT_SECRET, secretBody, "Bearer "])
      expect(lines.join("\n")).not.toContain(secret);
    const conn = await db
      .handle()
      .db.select()
      .from(providerConnections)
      .where(eq(providerConnections.userId, p.userId));
    expect(conn).toHaveLength(1);
  });
});

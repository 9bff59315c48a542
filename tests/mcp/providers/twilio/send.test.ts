import { randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { providerSessions, sandboxOutbox } from "@/lib/db/schema";
import { twilioSendSms } from "@/mcp-server/catalog/tools/twilio-send-sms";
import { twilioSendWhatsapp } from "@/mcp-server/catalog/tools/twilio-send-whatsapp";
import { logger } from "@/lib/log";
import { executeTool } from "@/mcp-server/execute";
import { withTwilio } from "@/mcp-server/providers/twilio/client";
import { twilioToolError } from "@/mcp-server/providers/twilio/errors";
import { resetBreakers } from "@/mcp-server/resilience";
import { connect, ctx, principal, setupMemoryDb, toolError } from "../../tools/helpers";
import { callThroughPipeline, captureLogs, errorBodyOf, setEnv } from "../helpers";

/**
 * The live Twilio adapter against a fake of api.twilio.com (msw intercepts the SDK's real HTTPS
 * requests; anything else is an error). The fake answers with Twilio's documented shapes:
 * 201 + the Message resource, or `{ code, message, more_info, status }`.
 */
const ACCOUNT_SID = `AC${"0123456789abcdef".repeat(2)}`;
const API_KEY_SID = `SK${"fedcba9876543210".repeat(2)}`;
const API_KEY_SECRET = `key-secret-${randomBytes(12).toString("hex")}`;
const AUTH_TOKEN = `auth-token-${randomBytes(12).toString("hex")}`;
const SENDERS = ["+14155238886", "+447480123456"];
const WHATSAPP_FROM = "+14155238886";
const CALLBACK = "https://status.contoso.example/twilio";
const TO = "+447911123456";
const MESSAGES_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;

const liveEnv = {
  TWILIO_PROVIDER: "live",
  TWILIO_ACCOUNT_SID: ACCOUNT_SID,
  TWILIO_API_KEY_SID: API_KEY_SID,
  TWILIO_API_KEY_SECRET: API_KEY_SECRET,
  TWILIO_AUTH_TOKEN: undefined,
  TWILIO_FROM_NUMBERS: SENDERS.join(","),
  TWILIO_WHATSAPP_FROM: `whatsapp:${WHATSAPP_FROM}`,
  TWILIO_STATUS_CALLBACK_URL: CALLBACK,
};

interface Seen {
  method: string;
  url: URL;
  headers: Headers;
  form: URLSearchParams;
}
const seen: Seen[] = [];
type Reply = (form: URLSearchParams) => Response;
let reply: Reply;

/** Twilio's documented 201 answer to a Messages create. */
function created(form: URLSearchParams, overrides: Record<string, unknown> = {}): Response {
  const sid = `SM${randomBytes(16).toString("hex")}`;
  return HttpResponse.json(
    {
      account_sid: ACCOUNT_SID,
      api_version: "2010-04-01",
      body: form.get("Body"),
      date_created: "Thu, 30 Jul 2015 20:12:31 +0000",
      date_sent: null,
      date_updated: "Thu, 30 Jul 2015 20:12:31 +0000",
      direction: "outbound-api",
      error_code: null,
      error_message: null,
      from: form.get("From"),
      messaging_service_sid: null,
      num_media: "0",
      num_segments: "2",
      price: null,
      price_unit: null,
      sid,
      status: "queued",
      subresource_uris: { media: `${MESSAGES_PATH.replace(".json", "")}/${sid}/Media.json` },
      to: form.get("To"),
      uri: `${MESSAGES_PATH.replace(".json", "")}/${sid}.json`,
      ...overrides,
    },
    { status: 201 },
  );
}

/** Twilio's documented error body. */
function twilioError(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return HttpResponse.json(
    { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
    { status, headers },
  );
}

const server = setupServer(
  http.post(`https://api.twilio.com${MESSAGES_PATH}`, async ({ request }) => {
    const form = new URLSearchParams(await request.text());
    seen.push({
      method: request.method,
      url: new URL(request.url),
      headers: request.headers,
      form,
    });
    return reply(form);
  }),
);

const db = setupMemoryDb();

beforeAll(() => {
  server.listen({ onUnhandledRequest: "error" });
  setEnv(liveEnv);
});
beforeEach(() => {
  seen.length = 0;
  reply = (form) => created(form);
  resetBreakers();
});
afterEach(() => setEnv(liveEnv));
afterAll(() => {
  server.close();
  setEnv(Object.fromEntries(Object.keys(liveEnv).map((k) => [k, undefined])));
});

async function connected(name: string) {
  const p = principal(name);
  await connect(p, "twilio");
  return p;
}

describe("twilio_send_sms (live)", () => {
  it("posts_the_documented_form_with_basic_auth_by_api_key_and_maps_the_answer", async () => {
    const p = await connected("alice");
    const body = "Your test drive is confirmed for 10:00. ".repeat(5).trim();
    const out = await twilioSendSms.run({ to: TO, body }, ctx(p));

    expect(seen).toHaveLength(1);
    const req = seen[0]!;
    expect(req.method).toBe("POST");
    expect(req.url.origin).toBe("https://api.twilio.com");
    expect(req.url.pathname).toBe(MESSAGES_PATH);
    expect(req.url.search).toBe("");
    expect(req.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(req.headers.get("accept")).toBe("application/json");
    expect(req.headers.get("authorization")).toBe(
      `Basic ${Buffer.from(`${API_KEY_SID}:${API_KEY_SECRET}`).toString("base64")}`,
    );
    expect([...req.form.keys()].sort()).toEqual(["Body", "From", "StatusCallback", "To"]);
    expect(Object.fromEntries(req.form)).toEqual({
      To: TO,
      From: SENDERS[0],
      Body: body,
      StatusCallback: CALLBACK,
    });

    expect(out).toEqual({
      sid: expect.stringMatching(/^SM[0-9a-f]{32}$/),
      status: "queued",
      channel: "sms",
      to: TO,
      from: SENDERS[0],
      numSegments: 2,
      encoding: "GSM-7",
      dateCreated: "2015-07-30T20:12:31.000Z",
    });
  });

  it("authenticates_with_the_account_sid_and_auth_token_when_no_api_key_is_configured", async () => {
    setEnv({
      TWILIO_API_KEY_SID: undefined,
      TWILIO_API_KEY_SECRET: undefined,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_STATUS_CALLBACK_URL: undefined,
    });
    const p = await connected("token");
    await twilioSendSms.run({ to: TO, body: "Hi" }, ctx(p));
    expect(seen[0]!.headers.get("authorization")).toBe(
      `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString("base64")}`,
    );
    // No callback configured: no StatusCallback parameter at all.
    expect([...seen[0]!.form.keys()].sort()).toEqual(["Body", "From", "To"]);
  });

  it("sends_from_an_allowed_from_and_refuses_any_other_without_calling_twilio", async () => {
    const p = await connected("sender");
    const out = await twilioSendSms.run({ to: TO, body: "Hi", from: SENDERS[1] }, ctx(p));
    expect(out.from).toBe(SENDERS[1]);
    expect(seen[0]!.form.get("From")).toBe(SENDERS[1]);

    const err = await toolError(
      twilioSendSms,
      { to: TO, body: "Hi", from: "+14155550123" },
      ctx(p),
    );
    expect(err.code).toBe("invalid_arguments");
    expect(err.message).toContain("+14155550123");
    expect(err.message).toContain(SENDERS.join(", "));
    expect(seen).toHaveLength(1);
  });

  it("refuses_what_twilio_would_refuse_before_a_paid_request", async () => {
    const p = await connected("checks");
    for (const input of [
      { to: "+10000000000", body: "hi" },
      { to: TO, body: "   " },
      { to: SENDERS[0], body: "hi" },
    ]) {
      expect((await toolError(twilioSendSms, input, ctx(p))).code).toBe("invalid_arguments");
    }
    expect(seen).toHaveLength(0);
  });

  it("still_requires_the_users_twilio_connection_and_writes_nothing_to_the_sandbox", async () => {
    const stranger = principal("nocon");
    const err = await toolError(twilioSendSms, { to: TO, body: "Hi" }, ctx(stranger));
    expect(err.code).toBe("auth_required");
    expect(err.details.connectUrl).toMatch(/\/connect\/twilio#token=/);
    expect(seen).toHaveLength(0);

    const p = await connected("nosandbox");
    await twilioSendSms.run({ to: TO, body: "Hi" }, ctx(p));
    const handle = db.handle().db;
    expect(
      await handle.select().from(sandboxOutbox).where(eq(sandboxOutbox.userId, p.userId)),
    ).toEqual([]);
    // The app's credentials are not a per-user session: none is issued or cached.
    const sessions = await handle
      .select()
      .from(providerSessions)
      .where(and(eq(providerSessions.userId, p.userId), eq(providerSessions.provider, "twilio")));
    expect(sessions).toEqual([]);
  });

  it("does_not_call_twilio_once_the_caller_has_given_up", async () => {
    const p = await connected("aborted");
    const ac = new AbortController();
    ac.abort();
    expect((await toolError(twilioSendSms, { to: TO, body: "Hi" }, ctx(p, ac.signal))).code).toBe(
      "timeout",
    );
    expect(seen).toHaveLength(0);
  });

  it("reports_an_undocumented_status_as_accepted_rather_than_failing_a_sent_message", async () => {
    const p = await connected("status");
    reply = (form) => created(form, { status: "teleported" });
    expect((await twilioSendSms.run({ to: TO, body: "Hi" }, ctx(p))).status).toBe("accepted");
    reply = (form) => created(form, { status: "scheduled" });
    expect((await twilioSendSms.run({ to: TO, body: "Hi" }, ctx(p))).status).toBe("scheduled");
  });

  it.each([
    [
      21211,
      400,
      "Invalid 'To' Phone Number: +4479XXXX3456",
      "invalid_arguments",
      /recipient \(to\) is not a valid phone number/,
    ],
    [
      21606,
      400,
      "The From phone number +14155238886 is not a valid, SMS-capable inbound phone number or short code for your account.",
      "invalid_arguments",
      /sender number cannot send/,
    ],
    [
      21408,
      400,
      "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +4479XXXX3456.",
      "forbidden",
      /not permitted to send messages to that country.*Geo permissions/,
    ],
    [
      21610,
      400,
      "Attempt to send to unsubscribed recipient",
      "forbidden",
      /unsubscribed.*replied STOP.*reply START/,
    ],
    [
      21614,
      400,
      "'To' number is not a valid mobile number",
      "invalid_arguments",
      /Twilio refused the message \(Twilio error 21614.*not a valid mobile number/,
    ],
  ])(
    "maps_twilio_error_%i_to_an_error_the_user_understands",
    async (code, status, message, expected, wording) => {
      const p = await connected(`e${code}`);
      reply = () => twilioError(status, code, message);
      const err = await toolError(twilioSendSms, { to: TO, body: "Hi" }, ctx(p));
      expect(err.code).toBe(expected);
      expect(err.message).toMatch(wording);
      expect(err.message).toContain(`https://www.twilio.com/docs/errors/${code}`);
      expect(err.details.retriable ?? false).toBe(false);
    },
  );

  it("maps_401_to_a_non_retriable_configuration_error_without_the_secret", async () => {
    const p = await connected("e401");
    reply = () =>
      twilioError(401, 20003, "Authenticate", { "www-authenticate": 'Basic realm="Twilio API"' });
    const err = await toolError(twilioSendSms, { to: TO, body: "Hi" }, ctx(p));
    expect(err.code).toBe("provider_error");
    expect(err.details).toMatchObject({ retriable: false, provider: "twilio" });
    expect(err.message).toMatch(
      /credentials.*administrator must fix the app's Twilio configuration/,
    );
    expect(err.message).not.toContain(API_KEY_SECRET);
    expect(err.message).not.toContain(API_KEY_SID);
  });

  it("maps_429_to_rate_limited_with_retry_after_and_does_not_resend", async () => {
    const p = await connected("e429");
    reply = () => twilioError(429, 20429, "Too Many Requests", { "retry-after": "17" });
    const err = await toolError(twilioSendSms, { to: TO, body: "Hi" }, ctx(p));
    expect(err.code).toBe("rate_limited");
    expect(err.details).toMatchObject({ retryAfterSeconds: 17, retriable: true });
    expect(seen).toHaveLength(1);
  });

  it("reads_an_http_date_retry_after", async () => {
    const p = await connected("e429d");
    const at = new Date(Date.now() + 120_000).toUTCString();
    reply = () => twilioError(429, 20429, "Too Many Requests", { "retry-after": at });
    const err = await toolError(twilioSendSms, { to: TO, body: "Hi" }, ctx(p));
    expect(err.details.retryAfterSeconds).toBeGreaterThanOrEqual(115);
    expect(err.details.retryAfterSeconds).toBeLessThanOrEqual(120);
  });

  it.each([500, 503])("maps_%i_to_a_retriable_provider_error", async (status) => {
    const p = await connected(`e${status}`);
    reply = () => twilioError(status, 20000 + status, "Service unavailable");
    const err = await toolError(twilioSendSms, { to: TO, body: "Hi" }, ctx(p));
    expect(err.code).toBe("provider_error");
    expect(err.details).toMatchObject({ retriable: true, provider: "twilio" });
  });

  it("says_a_message_may_have_been_sent_when_the_connection_breaks", async () => {
    const p = await connected("neterr");
    reply = () => HttpResponse.error();
    const err = await toolError(twilioSendSms, { to: TO, body: "Hi" }, ctx(p));
    expect(err.code).toBe("provider_error");
    expect(err.details.retriable).toBe(false);
    expect(err.message).toMatch(/may or may not have been sent/);
  });

  it("never_resends_an_sms_when_twilio_fails_even_with_a_retriable_error", async () => {
    const p = await connected("once");
    reply = () => twilioError(503, 20503, "Service unavailable");
    const { result } = await executeTool(
      twilioSendSms,
      { to: TO, body: "Hi" },
      { principal: p, correlationId: "c0ffee00c0ffee00c0ffee00c0ffee00", timeoutMs: 10_000 },
    );
    expect(errorBodyOf(result)).toMatchObject({ code: "provider_error", retriable: true });
    expect(seen).toHaveLength(1);
  });
});

describe("twilio_send_whatsapp (live)", () => {
  it("sends_whatsapp_addresses_from_the_configured_whatsapp_sender", async () => {
    const p = await connected("wa");
    const out = await twilioSendWhatsapp.run(
      { to: "+353861234567", body: "Your car is ready for collection." },
      ctx(p),
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url.pathname).toBe(MESSAGES_PATH);
    expect(Object.fromEntries(seen[0]!.form)).toEqual({
      To: "whatsapp:+353861234567",
      From: `whatsapp:${WHATSAPP_FROM}`,
      Body: "Your car is ready for collection.",
      StatusCallback: CALLBACK,
    });
    expect(out).toMatchObject({
      channel: "whatsapp",
      to: "+353861234567",
      from: WHATSAPP_FROM,
      status: "queued",
    });
  });

  it("fails_clearly_without_calling_twilio_when_no_whatsapp_sender_is_configured", async () => {
    setEnv({ TWILIO_WHATSAPP_FROM: undefined });
    // Not even connected: an app without a WhatsApp sender is said first, not "connect Twilio".
    const p = principal("nowa");
    const err = await toolError(twilioSendWhatsapp, { to: "+353861234567", body: "Hi" }, ctx(p));
    expect(err.code).toBe("provider_error");
    expect(err.details.retriable).toBe(false);
    expect(err.message).toContain("TWILIO_WHATSAPP_FROM");
    expect(seen).toHaveLength(0);
  });
});

describe("twilio errors without an answer", () => {
  it("a_refused_or_unresolvable_connection_sent_nothing_and_may_be_retried", () => {
    for (const code of ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]) {
      const err = twilioToolError(Object.assign(new Error(`connect ${code}`), { code }), {});
      expect(err.code).toBe("provider_error");
      expect(err.details.retriable).toBe(true);
      expect(err.message).toMatch(/nothing was sent/);
    }
    const reset = twilioToolError(
      Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
      {},
    );
    expect(reset.details.retriable).toBe(false);
  });
});

describe("logs (live Twilio)", () => {
  it("no_secret_auth_header_or_message_body_reaches_the_logs_or_the_result", async () => {
    const p = await connected("logs");
    const body = `Your one-time code is ${randomBytes(4).toString("hex")}`;
    const basic = Buffer.from(`${API_KEY_SID}:${API_KEY_SECRET}`).toString("base64");
    const capture = captureLogs();
    const results: string[] = [];
    try {
      for (const answer of [
        () => twilioError(401, 20003, "Authenticate"),
        () => twilioError(500, 20500, "Internal Server Error"),
        () => twilioError(400, 21211, `Invalid 'To' Phone Number: ${TO}`),
        () => HttpResponse.error(),
      ]) {
        reply = answer;
        const correlationId = randomBytes(16).toString("hex");
        const result = await callThroughPipeline(twilioSendSms, { to: TO, body }, p, correlationId);
        expect(result.isError).toBe(true);
        results.push(JSON.stringify(result));
        // The capture works: the call's own audit line is there.
        expect(capture.lines.some((l) => l.includes(correlationId))).toBe(true);
      }
      // Should a raw SDK error ever be logged (the adapter maps them all), the serializer still
      // drops what axios keeps in it: the request config with its Authorization header and form.
      for (const answer of [
        () => HttpResponse.error(),
        () => twilioError(401, 20003, "Authenticate"),
      ]) {
        reply = answer;
        const raw = await withTwilio({}, (c) =>
          c.messages.create({ to: TO, from: SENDERS[0]!, body }),
        ).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(raw).toBeInstanceOf(Error);
        logger().error({ err: raw }, "raw twilio sdk error");
      }
      expect(capture.lines.filter((l) => l.includes("raw twilio sdk error"))).toHaveLength(2);
    } finally {
      capture.restore();
    }
    expect(seen).toHaveLength(6);
    const everything = [...capture.lines, ...capture.console, ...results].join("\n");
    for (const secret of [API_KEY_SECRET, basic, body]) expect(everything).not.toContain(secret);
  });
});

import { createHash, randomBytes } from "node:crypto";
import { http, HttpResponse, type RequestHandler } from "msw";
import { expect } from "vitest";

/**
 * An in-process fake of the Google endpoints the Gmail adapter talks to (msw intercepts the SDK's
 * real HTTPS requests): the OAuth token and revoke endpoints (oauth2.googleapis.com) and the Gmail
 * API (gmail.googleapis.com). It answers with the documented shapes and errors, checks what the
 * documentation requires (client credentials, PKCE S256, redirect URI, bearer tokens) and records
 * every request so tests can assert exactly what was sent.
 */

export const CLIENT_ID = "1234567890-fake.apps.googleusercontent.com";
export const CLIENT_SECRET = "GOCSPX-fake-client-secret-value";
export const TOKEN_URL = "https://oauth2.googleapis.com/token";
export const REVOKE_URL = "https://oauth2.googleapis.com/revoke";
export const GMAIL = "https://gmail.googleapis.com/gmail/v1/users/me";

export const READONLY = "https://www.googleapis.com/auth/gmail.readonly";
export const COMPOSE = "https://www.googleapis.com/auth/gmail.compose";
export const SEND = "https://www.googleapis.com/auth/gmail.send";
export const ALL_SCOPES = [READONLY, COMPOSE, SEND];

export interface Recorded {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
}

interface Grant {
  refreshToken: string;
  scope: string;
  revoked: boolean;
}

/** Google's JSON error body (AIP-193 plus the legacy `errors` list the Gmail API still sends). */
export function googleError(code: number, status: string, message: string, reason: string) {
  return {
    error: {
      code,
      message,
      errors: [{ message, domain: "global", reason }],
      status,
    },
  };
}

export interface FakeMessage {
  id: string;
  threadId: string;
  labelIds: string[];
  snippet: string;
  internalDate: string;
  headers: Record<string, string>;
  /** text/plain body; with `attachment` the message is multipart/mixed with a PDF part. */
  body: string;
  attachment?: boolean;
}

export class FakeGoogle {
  readonly requests: Recorded[] = [];
  readonly revoked: string[] = [];
  private readonly codes = new Map<
    string,
    { challenge: string; method: string; redirectUri: string; scope: string; used: boolean }
  >();
  private readonly grants = new Map<string, Grant>();
  private readonly accessTokens = new Map<string, { scope: string; live: boolean }>();
  /** The profile's address (users.getProfile). */
  emailAddress = "ana.real@gmail.com";
  messages: FakeMessage[] = [];
  sent: { raw: string; threadId?: string }[] = [];
  drafts: { raw: string; threadId?: string }[] = [];

  /** What Google's consent screen does: the user allows `scope`, Google issues a code. */
  issueCode(authorizationUrl: string, scope = ALL_SCOPES.join(" ")): string {
    const u = new URL(authorizationUrl);
    const code = `4/0A${randomBytes(24).toString("base64url")}`;
    this.codes.set(code, {
      challenge: u.searchParams.get("code_challenge") ?? "",
      method: u.searchParams.get("code_challenge_method") ?? "",
      redirectUri: u.searchParams.get("redirect_uri") ?? "",
      scope,
      used: false,
    });
    return code;
  }

  /** A grant made outside the test's connect flow (e.g. to seed a connected user). */
  grant(scope = ALL_SCOPES.join(" ")): { refreshToken: string; accessToken: string } {
    const refreshToken = `1//0g${randomBytes(24).toString("base64url")}`;
    this.grants.set(refreshToken, { refreshToken, scope, revoked: false });
    return { refreshToken, accessToken: this.newAccessToken(scope) };
  }

  /** The user removed the app at myaccount.google.com (or the token expired). */
  revokeAll(): void {
    for (const g of this.grants.values()) g.revoked = true;
    for (const t of this.accessTokens.values()) t.live = false;
  }

  /** Access tokens expire after an hour; this makes every current one fail with 401. */
  expireAccessTokens(): void {
    for (const t of this.accessTokens.values()) t.live = false;
  }

  liveAccessTokens(): string[] {
    return [...this.accessTokens].filter(([, t]) => t.live).map(([k]) => k);
  }

  refreshTokens(): string[] {
    return [...this.grants.keys()];
  }

  requestsTo(pathPrefix: string): Recorded[] {
    return this.requests.filter((r) => `${r.url.origin}${r.url.pathname}`.startsWith(pathPrefix));
  }

  private newAccessToken(scope: string): string {
    const token = `ya29.a0${randomBytes(24).toString("base64url")}`;
    this.accessTokens.set(token, { scope, live: true });
    return token;
  }

  private async record(request: Request): Promise<Recorded> {
    const r = {
      method: request.method,
      url: new URL(request.url),
      headers: new Headers(request.headers),
      body: await request.clone().text(),
    };
    this.requests.push(r);
    return r;
  }

  /** The bearer's scopes, or the 401 Google answers for a missing/expired/revoked token. */
  private bearer(r: Recorded): { scope: string } | Response {
    const m = /^Bearer (\S+)$/.exec(r.headers.get("authorization") ?? "");
    const t = m && this.accessTokens.get(m[1]!);
    if (t?.live) return t;
    return HttpResponse.json(
      googleError(
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
        "authError",
      ),
      {
        status: 401,
        headers: { "www-authenticate": 'Bearer realm="https://accounts.google.com/"' },
      },
    );
  }

  private needs(scope: string, granted: string, ...any: string[]): Response | undefined {
    const have = granted.split(" ");
    if ([scope, ...any].some((s) => have.includes(s))) return undefined;
    return HttpResponse.json(
      {
        error: {
          code: 403,
          message: "Request had insufficient authentication scopes.",
          errors: [
            {
              message: "Insufficient Permission",
              domain: "global",
              reason: "insufficientPermissions",
            },
          ],
          status: "PERMISSION_DENIED",
          details: [
            {
              "@type": "type.googleapis.com/google.rpc.ErrorInfo",
              reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
              domain: "googleapis.com",
            },
          ],
        },
      },
      { status: 403 },
    );
  }

  private messageResource(m: FakeMessage, format: string, wanted: string[]) {
    const contentType = m.attachment
      ? 'multipart/mixed; boundary="b1"'
      : 'text/plain; charset="UTF-8"';
    const all = { ...m.headers, "Content-Type": contentType };
    const headers = Object.entries(all)
      .filter(
        ([name]) =>
          format !== "metadata" || wanted.some((w) => w.toLowerCase() === name.toLowerCase()),
      )
      .map(([name, value]) => ({ name, value }));
    const data = Buffer.from(m.body, "utf8").toString("base64url");
    const payload =
      format === "full"
        ? m.attachment
          ? {
              mimeType: "multipart/mixed",
              filename: "",
              headers,
              body: { size: 0 },
              parts: [
                {
                  partId: "0",
                  mimeType: "text/plain",
                  filename: "",
                  body: { size: m.body.length, data },
                },
                {
                  partId: "1",
                  mimeType: "application/pdf",
                  filename: "quote.pdf",
                  body: { size: 1024, attachmentId: "ANGjdJ8" },
                },
              ],
            }
          : { mimeType: "text/plain", filename: "", headers, body: { size: m.body.length, data } }
        : { mimeType: m.attachment ? "multipart/mixed" : "text/plain", headers };
    return {
      id: m.id,
      threadId: m.threadId,
      labelIds: m.labelIds,
      snippet: m.snippet,
      sizeEstimate: 2048,
      historyId: "123456",
      internalDate: m.internalDate,
      payload,
    };
  }

  handlers(): RequestHandler[] {
    return [
      http.post(TOKEN_URL, async ({ request }) => {
        const r = await this.record(request);
        const form = new URLSearchParams(r.body);
        if (!(r.headers.get("content-type") ?? "").startsWith("application/x-www-form-urlencoded"))
          return HttpResponse.json({ error: "invalid_request" }, { status: 400 });
        if (form.get("client_id") !== CLIENT_ID || form.get("client_secret") !== CLIENT_SECRET)
          return HttpResponse.json(
            { error: "invalid_client", error_description: "Unauthorized" },
            { status: 401 },
          );
        if (form.get("grant_type") === "authorization_code") {
          const entry = this.codes.get(form.get("code") ?? "");
          const verifier = form.get("code_verifier") ?? "";
          const challenge = createHash("sha256").update(verifier).digest("base64url");
          if (
            !entry ||
            entry.used ||
            entry.method !== "S256" ||
            entry.challenge !== challenge ||
            entry.redirectUri !== form.get("redirect_uri")
          )
            return HttpResponse.json(
              { error: "invalid_grant", error_description: "Bad Request" },
              { status: 400 },
            );
          entry.used = true;
          const { refreshToken, accessToken } = this.grant(entry.scope);
          return HttpResponse.json({
            access_token: accessToken,
            expires_in: 3599,
            refresh_token: refreshToken,
            scope: entry.scope,
            token_type: "Bearer",
          });
        }
        if (form.get("grant_type") === "refresh_token") {
          const grant = this.grants.get(form.get("refresh_token") ?? "");
          if (!grant || grant.revoked)
            return HttpResponse.json(
              { error: "invalid_grant", error_description: "Token has been expired or revoked." },
              { status: 400 },
            );
          return HttpResponse.json({
            access_token: this.newAccessToken(grant.scope),
            expires_in: 3599,
            scope: grant.scope,
            token_type: "Bearer",
          });
        }
        return HttpResponse.json({ error: "unsupported_grant_type" }, { status: 400 });
      }),

      http.post(REVOKE_URL, async ({ request }) => {
        const r = await this.record(request);
        const token = new URLSearchParams(r.body).get("token") ?? "";
        const grant = this.grants.get(token);
        if (!grant) return HttpResponse.json({ error: "invalid_token" }, { status: 400 });
        grant.revoked = true;
        this.revoked.push(token);
        return new HttpResponse(null, { status: 200 });
      }),

      http.get(`${GMAIL}/profile`, async ({ request }) => {
        const r = await this.record(request);
        const auth = this.bearer(r);
        if (auth instanceof Response) return auth;
        const denied = this.needs(READONLY, auth.scope, COMPOSE);
        if (denied) return denied;
        return HttpResponse.json({
          emailAddress: this.emailAddress,
          messagesTotal: this.messages.length,
          threadsTotal: 3,
          historyId: "123456",
        });
      }),

      http.get(`${GMAIL}/messages`, async ({ request }) => {
        const r = await this.record(request);
        const auth = this.bearer(r);
        if (auth instanceof Response) return auth;
        const denied = this.needs(READONLY, auth.scope);
        if (denied) return denied;
        const labels = r.url.searchParams.getAll("labelIds");
        const max = Number(r.url.searchParams.get("maxResults") ?? 100);
        const offset = Number(r.url.searchParams.get("pageToken") ?? 0);
        const hits = this.messages.filter((m) => labels.every((l) => m.labelIds.includes(l)));
        const page = hits.slice(offset, offset + max);
        return HttpResponse.json({
          ...(page.length
            ? { messages: page.map((m) => ({ id: m.id, threadId: m.threadId })) }
            : {}),
          ...(offset + max < hits.length ? { nextPageToken: String(offset + max) } : {}),
          resultSizeEstimate: hits.length,
        });
      }),

      http.get(`${GMAIL}/messages/:id`, async ({ request, params }) => {
        const r = await this.record(request);
        const auth = this.bearer(r);
        if (auth instanceof Response) return auth;
        const denied = this.needs(READONLY, auth.scope);
        if (denied) return denied;
        const m = this.messages.find((x) => x.id === params.id);
        if (!m)
          return HttpResponse.json(
            googleError(404, "NOT_FOUND", "Requested entity was not found.", "notFound"),
            {
              status: 404,
            },
          );
        return HttpResponse.json(
          this.messageResource(
            m,
            r.url.searchParams.get("format") ?? "full",
            r.url.searchParams.getAll("metadataHeaders"),
          ),
        );
      }),

      http.get(`${GMAIL}/threads/:id`, async ({ request, params }) => {
        const r = await this.record(request);
        const auth = this.bearer(r);
        if (auth instanceof Response) return auth;
        const denied = this.needs(READONLY, auth.scope);
        if (denied) return denied;
        const msgs = this.messages.filter((x) => x.threadId === params.id);
        if (msgs.length === 0)
          return HttpResponse.json(
            googleError(404, "NOT_FOUND", "Requested entity was not found.", "notFound"),
            {
              status: 404,
            },
          );
        const wanted = r.url.searchParams.getAll("metadataHeaders");
        return HttpResponse.json({
          id: params.id,
          historyId: "123456",
          messages: msgs.map((m) => this.messageResource(m, "metadata", wanted)),
        });
      }),

      http.post(`${GMAIL}/messages/send`, async ({ request }) => {
        const r = await this.record(request);
        const auth = this.bearer(r);
        if (auth instanceof Response) return auth;
        const denied = this.needs(SEND, auth.scope, COMPOSE);
        if (denied) return denied;
        const body = JSON.parse(r.body) as { raw: string; threadId?: string };
        this.sent.push(body);
        const id = randomBytes(8).toString("hex");
        return HttpResponse.json({ id, threadId: body.threadId ?? id, labelIds: ["SENT"] });
      }),

      http.post(`${GMAIL}/drafts`, async ({ request }) => {
        const r = await this.record(request);
        const auth = this.bearer(r);
        if (auth instanceof Response) return auth;
        const denied = this.needs(COMPOSE, auth.scope);
        if (denied) return denied;
        const body = JSON.parse(r.body) as { message: { raw: string; threadId?: string } };
        this.drafts.push(body.message);
        const id = randomBytes(8).toString("hex");
        return HttpResponse.json({
          id: `r-${randomBytes(8).toString("hex")}`,
          message: { id, threadId: body.message.threadId ?? id, labelIds: ["DRAFT"] },
        });
      }),
    ];
  }
}

/** The RFC 2822 text inside a Gmail `raw` field. */
export function decodeRaw(raw: string): string {
  expect(raw).toMatch(/^[A-Za-z0-9_-]+=*$/);
  return Buffer.from(raw, "base64url").toString("utf8");
}

/** A message's headers (unfolded) and its body decoded from base64. */
export function parseMessage(text: string): { headers: Map<string, string>; body: string } {
  const [head, encodedBody = ""] = text.split("\r\n\r\n");
  const headers = new Map<string, string>();
  for (const line of head!.replace(/\r\n([ \t])/g, "$1").split("\r\n")) {
    const i = line.indexOf(":");
    headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  return {
    headers,
    body: Buffer.from(encodedBody.replace(/\r\n/g, ""), "base64").toString("utf8"),
  };
}

import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConversation } from "@/lib/chat/conversations";
import type { Principal } from "@/lib/identity/principal";
import { loggerOptions } from "@/lib/log";
import { useFreshDb, type DbKind } from "../helpers/db";

/** A logger built exactly as the app's, writing its JSON lines into `lines`. */
function capturingLogger(): { log: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString("utf8"));
      done();
    },
  });
  return { log: pino(loggerOptions("info"), sink), lines };
}

// Somebody who never signed in (no `users` row), so inserting their conversation fails on the
// foreign key — a real query whose parameters hold a user id and text the user typed.
const stranger: Principal = {
  userId: "5a1e7c3d-9b2f-4e61-8d0a-7c4b2e9f1a55",
  tenantId: "tests",
  username: "stranger@contoso.example",
  name: "Stranger",
  roles: [],
  scopes: ["access_as_user"],
  kind: "user",
  token: "",
};
const typed = "My salary is 123456 and my doctor said";

describe.each<DbKind>(["pglite", "postgres"])("error logs on %s", (kind) => {
  let db: Awaited<ReturnType<typeof useFreshDb>>;
  beforeAll(async () => {
    db = await useFreshDb(kind);
  });
  afterAll(async () => db?.close());

  it("db_error_log_line_carries_neither_the_message_text_nor_the_user_id", async () => {
    const err = await createConversation(stranger, { agentName: "assistant", title: typed }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    // The raw error does carry both: this is what the log must not show.
    const raw = JSON.stringify({ ...(err as object), cause: (err as Error).cause }) + String(err);
    expect(raw).toContain(typed);

    const { log, lines } = capturingLogger();
    log.error({ err, correlationId: "c1" }, "request failed");
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).not.toContain(typed);
    expect(line).not.toContain(stranger.userId);
    // What helps an operator stays: the statement, the database's code and constraint.
    const logged = JSON.parse(line) as { err: Record<string, unknown> & { cause?: never } };
    expect(logged.err.message).toMatch(/^Failed query: insert into "conversations"/);
    expect(String(logged.err.query)).toContain('insert into "conversations"');
    expect(logged.err.cause).toMatchObject({ code: "23503" });
    expect(String(logged.err.stack)).toMatch(/\n\s+at /);
  });
});

describe("the error serializer", () => {
  it("drops data fields through the cause chain and echoed values from messages", () => {
    const inner = Object.assign(new Error('invalid input syntax for type uuid: "bob@contoso"'), {
      code: "22P02",
      detail: "Key (owner_id)=(bob) is not present",
      params: ["bob"],
    });
    const outer = Object.assign(
      new Error("Failed query: select 1 where a = $1\nparams: bob,secret text", { cause: inner }),
      { headers: { authorization: "Bearer abc" }, query: "select 1 where a = $1" },
    );
    const { log, lines } = capturingLogger();
    log.warn({ err: outer }, "failed");
    for (const leak of ["bob", "secret text", "Bearer abc"]) expect(lines[0]).not.toContain(leak);
    expect(lines[0]).toContain("select 1 where a = $1");
    expect(lines[0]).toContain("22P02");
  });

  it("drops_the_request_config_http_clients_keep_on_their_errors", () => {
    // gaxios (Google's SDKs) and axios keep the request on the error as `config`: the bearer
    // header and a form body with the client secret and refresh token.
    const err = Object.assign(new Error("invalid_grant"), {
      status: 400,
      config: {
        url: "https://oauth2.googleapis.com/token",
        headers: { authorization: "Bearer ya29.leak" },
        data: "client_secret=GOCSPX-leak&refresh_token=1//0g-leak",
      },
    });
    const { log, lines } = capturingLogger();
    log.warn({ err }, "refresh failed");
    for (const leak of ["ya29.leak", "GOCSPX-leak", "1//0g-leak"])
      expect(lines[0]).not.toContain(leak);
    expect(lines[0]).toContain("invalid_grant");
  });
});

describe("log lines about people", () => {
  it("log_lines_carry_no_sign_in_names", () => {
    const { log, lines } = capturingLogger();
    // The shapes the MCP server logs: an audit entry, and the entry of a failed append.
    const entry = { userId: "u-1", username: "alice@contoso.local", tool: "gmail_send_email" };
    log.info({ ...entry }, "mcp tool call");
    log.error({ audit: entry }, "audit append failed");
    for (const line of lines) {
      expect(line).not.toContain("alice@contoso.local");
      expect(line).toContain("gmail_send_email");
    }
  });
});

import { Writable } from "node:stream";
import { and, eq } from "drizzle-orm";
import { HttpResponse, delay } from "msw";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { getConfig, resetConfig, type ComposioSettings } from "@/lib/config";
import { providerSessions } from "@/lib/db/schema";
import { parseAuthRequired } from "@/lib/connections/auth-required";
import { loggerOptions } from "@/lib/log";
import { getTool, loadCatalog } from "@/mcp-server/catalog";
import { configuredToolSources } from "@/mcp-server/catalog/configured-sources";
import { setToolSources, toolSourceStatus } from "@/mcp-server/catalog/sources";
import type { ToolDefinition } from "@/mcp-server/catalog/types";
import { resetComposioSdk } from "@/mcp-server/providers/composio/client";
import { verifyComposioConnectToken } from "@/mcp-server/providers/composio/connect-link";
import { withComposioSession } from "@/mcp-server/providers/composio/sessions";
import { listComposioTools } from "@/mcp-server/providers/composio/tools";
import { SESSION_TTL_MS } from "@/mcp-server/providers/sessions";
import { ctx, principal, setupMemoryDb, toolError } from "../../tools/helpers";
import { API_KEY, COMPOSIO_ENV, composioError, createComposioFake } from "./fake";

const APP_URL = "https://chat.example.test";
const fake = createComposioFake();
const db = setupMemoryDb();
let settings: ComposioSettings;
let tools: Map<string, ToolDefinition>;

const issueArgs = { owner: "contoso", repo: "cars", title: "Brake light stays on" };

beforeAll(async () => {
  Object.assign(process.env, COMPOSIO_ENV, { APP_URL });
  resetConfig();
  resetComposioSdk();
  fake.server.listen({ onUnhandledRequest: "error" });
  settings = getConfig().providers.composio!;
  tools = new Map(
    (await listComposioTools(settings, AbortSignal.timeout(5000))).map((t) => [t.name, t]),
  );
});
afterEach(() => fake.reset());
afterAll(() => {
  fake.server.close();
  for (const k of [...Object.keys(COMPOSIO_ENV), "APP_URL"]) delete process.env[k];
  resetConfig();
  resetComposioSdk();
  setToolSources([]);
});

const tool = (name: string) => tools.get(name)!;
const createIssue = () => tool("composio_github_create_an_issue");

async function cachedSession(userId: string) {
  const [row] = await db
    .handle()
    .db.select()
    .from(providerSessions)
    .where(and(eq(providerSessions.userId, userId), eq(providerSessions.provider, "composio")));
  return row;
}

/** The session id Composio issued, as the fake's paths show it. */
const executedOn = () => fake.requests(/\/execute$/).map((r) => r.path.split("/")[5]);

/** Forbidden JSON Schema constructs (the catalog rules: docs/TOOLS.md §1). */
function forbidden(schema: unknown, path = "#"): string[] {
  if (Array.isArray(schema)) return schema.flatMap((s, i) => forbidden(s, `${path}/${i}`));
  if (!schema || typeof schema !== "object") return [];
  return Object.entries(schema).flatMap(([k, v]) => [
    ...(["anyOf", "allOf", "oneOf", "not"].includes(k) ? [`${path}/${k}`] : []),
    ...(k === "type" && Array.isArray(v) ? [`${path}/type[]`] : []),
    ...forbidden(v, `${path}/${k}`),
  ]);
}

/** Log lines written through the app's logger (and anything the SDK prints) while `fn` runs. */
async function capturing(fn: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString("utf8"));
      done();
    },
  });
  const KEY = Symbol.for("foundry-agent-chat.logger");
  const g = globalThis as Record<symbol, unknown>;
  const previous = g[KEY];
  g[KEY] = pino(loggerOptions("debug"), sink);
  const spies = (["log", "info", "warn", "error", "debug"] as const).map((m) =>
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    }),
  );
  try {
    await fn();
  } finally {
    g[KEY] = previous;
    for (const s of spies) s.mockRestore();
  }
  return lines;
}

describe("Composio catalog", () => {
  it("lists_exactly_the_whitelisted_plain_tools_with_composio_s_schemas", async () => {
    let listed: ToolDefinition[] = [];
    const lines = await capturing(async () => {
      listed = await listComposioTools(settings, AbortSignal.timeout(5000));
    });
    expect(listed.map((t) => t.name).sort()).toEqual([
      "composio_github_create_an_issue",
      "composio_github_get_a_repository",
      "composio_slack_send_message",
    ]);
    const [req] = fake.requests("/api/v3.1/tools");
    expect(req).toMatchObject({ method: "GET", apiKey: API_KEY });
    expect(req!.query.get("tool_slugs")).toBe(settings.tools.join(","));
    expect(req!.query.get("toolkit_versions")).toBe("latest");
    for (const t of listed) {
      expect(t.provider).toBe("composio");
      expect(t.name.length).toBeLessThanOrEqual(64);
      for (const io of ["input", "output"] as const) {
        const schema = z.toJSONSchema(t.inputSchema, { io }) as {
          properties: Record<string, { description?: string }>;
        };
        expect(forbidden(schema)).toEqual([]);
        for (const [name, prop] of Object.entries(schema.properties))
          expect(prop.description, `${t.name}.${name}`).toBeTruthy();
      }
    }
    const issue = z.toJSONSchema(createIssue().inputSchema) as { required: string[] };
    expect(issue.required.sort()).toEqual(["owner", "repo", "title"]);
    // The non-plain schema and the slug Composio does not know are left out, with a reason.
    const leftOut = lines.filter((l) => l.includes("composio tool left out")).join("\n");
    expect(leftOut).toMatch(/GITHUB_UPDATE_A_PULL_REQUEST.*anyOf/);
    expect(leftOut).toMatch(/GITHUB_NOT_AT_COMPOSIO.*does not list it/);
  });

  it("risk_is_read_only_for_tools_composio_tags_read_only_and_write_otherwise", () => {
    expect(tool("composio_github_get_a_repository")).toMatchObject({
      risk: "read",
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
    });
    expect(createIssue()).toMatchObject({
      risk: "write",
      annotations: { readOnlyHint: false, openWorldHint: true },
    });
    expect(tool("composio_slack_send_message").risk).toBe("write");
  });

  it("the_configured_source_joins_the_catalog", async () => {
    setToolSources(configuredToolSources());
    await loadCatalog();
    expect(getTool("composio_slack_send_message")?.provider).toBe("composio");
    expect(getTool("composio_github_update_a_pull_request")).toBeUndefined();
    expect(toolSourceStatus()).toEqual([
      expect.objectContaining({ id: "composio", state: "ready", tools: 3 }),
    ]);
    setToolSources([]);
  });

  it("a_listing_composio_refuses_fails_the_source_with_a_secret_free_reason", async () => {
    fake.failNext("tools", () => composioError(401, "No valid API key provided"));
    const err = await listComposioTools(settings, AbortSignal.timeout(5000)).catch((e) => e);
    expect(err.message).toMatch(/could not be listed.*HTTP 401/);
    expect(err.message).not.toContain(API_KEY);
  });
});

describe("Composio sessions", () => {
  it("a_call_creates_one_tool_router_session_for_the_user_and_runs_the_validated_arguments", async () => {
    const alice = principal("alice");
    fake.connect(alice.userId, "github");
    const out = await createIssue().run(issueArgs, ctx(alice));
    expect(out).toEqual({ ok: true, echo: issueArgs });

    const [create, execute] = fake.seen;
    expect(create).toMatchObject({
      method: "POST",
      path: "/api/v3.1/tool_router/session",
      apiKey: API_KEY,
    });
    expect(create!.contentType).toMatch(/^application\/json/);
    // Our stable user id (oid), never the e-mail; only the whitelist; connections managed by us.
    expect(create!.body).toEqual({
      user_id: alice.userId,
      auth_configs: { github: "ac_github01" },
      toolkits: { enable: ["github", "slack"] },
      tools: {
        github: {
          enable: [
            "GITHUB_CREATE_AN_ISSUE",
            "GITHUB_GET_A_REPOSITORY",
            "GITHUB_UPDATE_A_PULL_REQUEST",
            "GITHUB_NOT_AT_COMPOSIO",
          ],
        },
        slack: { enable: ["SLACK_SEND_MESSAGE"] },
      },
      manage_connections: { enable: false },
    });
    expect(JSON.stringify(create!.body)).not.toContain(alice.username);
    expect(execute).toMatchObject({
      method: "POST",
      path: "/api/v3.1/tool_router/session/trs_fake0001/execute",
      apiKey: API_KEY,
      body: { tool_slug: "GITHUB_CREATE_AN_ISSUE", arguments: issueArgs },
    });
    expect(fake.sessions.get("trs_fake0001")?.userId).toBe(alice.userId);
  });

  it("the_session_is_reused_within_the_hour_and_recreated_after_it", async () => {
    const bob = principal("bob");
    fake.connect(bob.userId, "github");
    const t0 = Date.now();
    await createIssue().run(issueArgs, ctx(bob));
    await tool("composio_github_get_a_repository").run({ owner: "o", repo: "r" }, ctx(bob));
    expect(fake.requests("/api/v3.1/tool_router/session")).toHaveLength(1);
    const first = executedOn();
    expect(first[0]).toBe(first[1]);
    const row = await cachedSession(bob.userId);
    expect(row!.expiresAt.getTime() - t0).toBeGreaterThanOrEqual(SESSION_TTL_MS - 5_000);
    expect(row!.expiresAt.getTime() - t0).toBeLessThanOrEqual(SESSION_TTL_MS + 5_000);

    // An hour later (the injected clock), a new session is created and used.
    const later = () => new Date(Date.now() + SESSION_TTL_MS + 1000);
    const id = await withComposioSession(
      bob.userId,
      settings,
      AbortSignal.timeout(5000),
      async (s) => s.sessionId,
      { now: later },
    );
    expect(fake.requests("/api/v3.1/tool_router/session")).toHaveLength(2);
    expect(id).not.toBe(first[0]);

    // And when the cached row itself has expired (every replica reads the same table).
    await db
      .handle()
      .db.update(providerSessions)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(providerSessions.userId, bob.userId));
    await createIssue().run(issueArgs, ctx(bob));
    expect(fake.requests("/api/v3.1/tool_router/session")).toHaveLength(3);
    expect(executedOn().at(-1)).not.toBe(id);
  });

  it("a_session_composio_no_longer_knows_is_recreated_and_the_call_retried_once", async () => {
    const carol = principal("carol");
    fake.connect(carol.userId, "slack");
    const send = tool("composio_slack_send_message");
    await send.run({ channel: "#sales", text: "first" }, ctx(carol));
    const old = executedOn()[0]!;
    fake.forget(old); // deleted at Composio: it answers 404
    fake.reset();
    const out = await send.run({ channel: "#sales", text: "second" }, ctx(carol));
    expect(out).toMatchObject({ ok: true });
    expect(fake.seen.map((r) => r.path.replace(/trs_fake\d+/, "{id}"))).toEqual([
      "/api/v3.1/tool_router/session/{id}/execute",
      "/api/v3.1/tool_router/session",
      "/api/v3.1/tool_router/session/{id}/execute",
    ]);
    expect(executedOn()[0]).toBe(old);
    expect(executedOn()[1]).not.toBe(old);
    expect((await cachedSession(carol.userId))!.sessionId).toContain(executedOn()[1]!);
  });

  it("a_session_rejected_twice_is_session_expired", async () => {
    const dave = principal("dave");
    fake.connect(dave.userId, "slack");
    const gone = () =>
      composioError(404, "Tool router session not found", { slug: "ToolRouterV2_SessionNotFound" });
    fake.failNext("execute", gone, 2);
    const err = await toolError(
      tool("composio_slack_send_message"),
      { channel: "#sales", text: "hi" },
      ctx(dave),
    );
    expect(err.code).toBe("session_expired");
    expect(err.details).toMatchObject({ retriable: true, provider: "composio" });
    expect(fake.requests(/\/execute$/)).toHaveLength(2);
    expect(fake.requests("/api/v3.1/tool_router/session")).toHaveLength(2);
  });

  it("a_401_on_the_session_is_retried_on_a_new_one_too", async () => {
    const erin = principal("erin");
    fake.connect(erin.userId, "github");
    fake.failNext("execute", () => composioError(401, "Session token rejected"));
    expect(await createIssue().run(issueArgs, ctx(erin))).toMatchObject({ ok: true });
    expect(fake.requests(/\/execute$/)).toHaveLength(2);
  });

  it("a_session_cached_for_another_whitelist_is_replaced_without_being_used", async () => {
    const fay = principal("fay");
    fake.connect(fay.userId, "github");
    await createIssue().run(issueArgs, ctx(fay));
    fake.reset();
    const narrower: ComposioSettings = {
      ...settings,
      tools: ["GITHUB_CREATE_AN_ISSUE"],
      toolkitOf: { GITHUB_CREATE_AN_ISSUE: "github" },
    };
    await withComposioSession(fay.userId, narrower, AbortSignal.timeout(5000), async () => "x");
    expect(fake.seen.map((r) => r.path)).toEqual(["/api/v3.1/tool_router/session"]);
    expect(fake.seen[0]!.body).toMatchObject({
      tools: { github: { enable: ["GITHUB_CREATE_AN_ISSUE"] } },
    });
  });
});

describe("Composio calls", () => {
  it("without_a_connected_account_the_call_is_auth_required_with_our_connect_page", async () => {
    const gus = principal("gus");
    const err = await toolError(createIssue(), issueArgs, ctx(gus));
    expect(err.code).toBe("auth_required");
    expect(err.details).toMatchObject({ provider: "composio", retriable: true });
    expect(err.message).toMatch(/Connect your GitHub account \(through Composio\)/);
    const url = new URL(err.details.connectUrl!);
    expect(`${url.origin}${url.pathname}`).toBe(`${APP_URL}/connect/composio`);
    expect(url.search).toBe("");
    const fragment = new URLSearchParams(url.hash.slice(1));
    expect(fragment.get("toolkit")).toBe("github");
    expect(await verifyComposioConnectToken(fragment.get("token")!)).toEqual({
      userId: gus.userId,
      username: gus.username,
      toolkit: "github",
    });
    // Never Composio's own link: the chat only opens this app's pages.
    expect(err.details.connectUrl).not.toContain("composio.dev");
    // The chat reads it like any other connect failure.
    const failure = parseAuthRequired(
      createIssue().name,
      JSON.stringify({ code: "auth_required", provider: "composio", connect_url: url.href }),
    );
    expect(failure).toMatchObject({ displayName: "Composio", connectUrl: url.href });
  });

  it("arguments_our_schema_refuses_never_reach_composio", async () => {
    const err = await toolError(
      createIssue(),
      { owner: "contoso", repo: "cars" },
      ctx(principal("h")),
    );
    expect(err.code).toBe("invalid_arguments");
    expect(err.message).toMatch(/title/);
    expect(fake.seen).toHaveLength(0);
  });

  it("arguments_composio_refuses_are_invalid_arguments_with_its_reasons", async () => {
    const ida = principal("ida");
    fake.connect(ida.userId, "github");
    fake.failNext("execute", () =>
      composioError(400, "Validation error while processing request", {
        code: 10400,
        slug: "HTTP_BadRequest",
        errors: ["Error in payload.arguments.labels: Label 'urgent!!' is not allowed"],
      }),
    );
    const err = await toolError(createIssue(), { ...issueArgs, labels: ["urgent!!"] }, ctx(ida));
    expect(err.code).toBe("invalid_arguments");
    expect(err.message).toMatch(/labels: Label 'urgent!!' is not allowed/);
    expect(fake.requests(/\/execute$/)).toHaveLength(1);
  });

  it("a_429_is_rate_limited_with_retry_after_and_is_not_retried_by_the_sdk", async () => {
    const jon = principal("jon");
    fake.connect(jon.userId, "github");
    fake.failNext("execute", () =>
      composioError(429, "Rate limit exceeded", {}, { "retry-after": "17" }),
    );
    const err = await toolError(createIssue(), issueArgs, ctx(jon));
    expect(err.code).toBe("rate_limited");
    expect(err.details).toMatchObject({ retriable: true, retryAfterSeconds: 17 });
    expect(fake.requests(/\/execute$/)).toHaveLength(1);
  });

  it("a_5xx_or_a_network_failure_is_a_retriable_provider_error_sent_once", async () => {
    const kim = principal("kim");
    fake.connect(kim.userId, "github");
    fake.failNext("execute", () => composioError(503, "Service unavailable"));
    const e1 = await toolError(createIssue(), issueArgs, ctx(kim));
    expect(e1).toMatchObject({ code: "provider_error", details: { retriable: true } });
    fake.failNext("execute", () => HttpResponse.error());
    const e2 = await toolError(createIssue(), issueArgs, ctx(kim));
    expect(e2).toMatchObject({ code: "provider_error", details: { retriable: true } });
    expect(e2.message).toMatch(/could not be reached/);
    expect(fake.requests(/\/execute$/)).toHaveLength(2);
  });

  it("the_tool_s_own_failure_is_a_provider_error_with_its_message_not_retriable", async () => {
    const lea = principal("lea");
    fake.connect(lea.userId, "github");
    fake.answerWith("GITHUB_GET_A_REPOSITORY", () => ({ data: {}, error: "Not Found: repo cars" }));
    const err = await toolError(
      tool("composio_github_get_a_repository"),
      { owner: "contoso", repo: "cars" },
      ctx(lea),
    );
    expect(err.code).toBe("provider_error");
    expect(err.details.retriable).toBe(false);
    expect(err.message).toBe("GitHub reported a failure: Not Found: repo cars");
  });

  it("a_403_is_forbidden", async () => {
    const max = principal("max");
    fake.connect(max.userId, "github");
    fake.failNext("execute", () =>
      composioError(403, "The API key doesn't have permissions to perform the request"),
    );
    const err = await toolError(createIssue(), issueArgs, ctx(max));
    expect(err.code).toBe("forbidden");
  });

  it("an_application_caller_is_refused_before_composio_is_asked", async () => {
    const app = principal("app", { kind: "app" });
    const err = await toolError(createIssue(), issueArgs, ctx(app));
    expect(err.code).toBe("forbidden");
    expect(fake.seen).toHaveLength(0);
  });

  it("the_call_is_bounded_by_the_caller_s_signal", async () => {
    const ned = principal("ned");
    fake.connect(ned.userId, "github");
    await createIssue().run(issueArgs, ctx(ned)); // the session exists
    fake.failNext("execute", async () => {
      await delay(5_000);
      return HttpResponse.json({ data: {}, error: null, log_id: "late" });
    });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 50);
    const started = Date.now();
    const err = await toolError(createIssue(), issueArgs, ctx(ned, abort.signal));
    expect(err.code).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("no_api_key_reaches_the_logs_when_calls_fail", async () => {
    const olga = principal("olga");
    fake.connect(olga.userId, "github");
    const lines = await capturing(async () => {
      fake.failNext("create", () => composioError(500, "Internal error"));
      await toolError(createIssue(), issueArgs, ctx(olga));
      fake.failNext("execute", () => HttpResponse.error());
      await toolError(createIssue(), issueArgs, ctx(olga));
      fake.failNext("execute", () => new HttpResponse("<html>bad gateway</html>", { status: 502 }));
      await toolError(createIssue(), issueArgs, ctx(olga));
      fake.failNext("tools", () => composioError(401, "No valid API key provided"));
      await listComposioTools(settings, AbortSignal.timeout(5000)).catch(() => undefined);
    });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join("\n")).toMatch(/composio answered with an error/);
    for (const line of lines) expect(line).not.toContain(API_KEY);
  });
});

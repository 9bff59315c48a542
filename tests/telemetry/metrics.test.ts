import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drainRuns } from "@/lib/chat/run-driver";
import { findDemoUser } from "@/lib/identity/local-idp/users";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { recordConnection } from "@/mcp-server/connections/store";
import { startTestApp, type TestApp } from "../helpers/app";
import { grantConsentDirectly } from "../helpers/consent";
import { isTerminal, readSse } from "../helpers/sse";

const SCRAPE_TOKEN = "scrape-token-for-tests-0123456789";

let app: TestApp;
let alice: string;
let dana: string;

beforeAll(async () => {
  app = await startTestApp({ METRICS_SCRAPE_TOKEN: SCRAPE_TOKEN });
  await grantConsentDirectly("alice");
  alice = await mintLocalAccessToken({ username: "alice" });
  // dana is the demo Admin.
  dana = await mintLocalAccessToken({ username: "dana" });
});
afterAll(async () => app?.close());

const scrape = (authorization?: string) =>
  fetch(`${app.url}/api/metrics`, {
    headers: authorization ? { authorization } : {},
  });

async function metricsText(): Promise<string> {
  const res = await scrape(`Bearer ${SCRAPE_TOKEN}`);
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one sample (`name{labels} value`), 0 when the series does not exist yet. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return 0;
}

async function ask(text: string): Promise<string> {
  const res = await fetch(`${app.url}/api/conversations`, {
    method: "POST",
    headers: { authorization: `Bearer ${alice}`, "content-type": "application/json" },
    body: JSON.stringify({ message: text }),
  });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  await readSse(`${app.url}/api/conversations/${id}/events`, alice, { until: isTerminal });
  await drainRuns();
  return id;
}

describe("GET /api/metrics", () => {
  it("metrics_without_credentials_give_401_with_a_challenge", async () => {
    const res = await scrape();
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await res.text()).not.toContain("fac_");
  });

  it("a wrong scrape token is a 401", async () => {
    const res = await scrape(`Bearer ${SCRAPE_TOKEN}x`);
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain("fac_");
  });

  it("a signed-in user who is not an Admin gets 403", async () => {
    const res = await scrape(`Bearer ${alice}`);
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain("fac_");
  });

  it("an Admin and the scrape token read the Prometheus text format", async () => {
    for (const authorization of [`Bearer ${dana}`, `Bearer ${SCRAPE_TOKEN}`]) {
      const res = await scrape(authorization);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      expect(text).toContain("# TYPE fac_http_requests_total counter");
      expect(sample(text, "fac_db_up")).toBe(1);
      // No REDIS_URL: no Redis gauge.
      expect(text).not.toContain("fac_redis_up");
    }
  });

  it("counters move after a message that calls a tool, labelled by route and tool, never by id", async () => {
    const before = await metricsText();
    const id = await ask("Search the web for electric SUVs");
    const after = await metricsText();
    const moved = (name: string, labels: Record<string, string> = {}) =>
      sample(after, name, labels) - sample(before, name, labels);

    expect(moved("fac_chat_runs_started_total")).toBe(1);
    expect(moved("fac_chat_runs_ended_total", { status: "completed" })).toBe(1);
    expect(moved("fac_chat_events_relayed_total", { type: "tool.call.completed" })).toBe(1);
    expect(moved("fac_chat_events_relayed_total", { type: "run.completed" })).toBe(1);
    expect(moved("fac_mcp_tool_calls_total", { tool: "tavily_search", outcome: "ok" })).toBe(1);
    expect(moved("fac_approvals_total", { state: "requested" })).toBe(0);
    expect(
      moved("fac_http_requests_total", {
        method: "POST",
        route: "/api/conversations",
        status: "201",
      }),
    ).toBe(1);
    expect(
      moved("fac_http_requests_total", {
        method: "GET",
        route: "/api/conversations/:id/events",
        status: "200",
      }),
    ).toBe(1);
    expect(sample(after, "fac_chat_runs_active")).toBe(0);
    // Bounded labels: no conversation id, no user id, no tool argument.
    expect(after).not.toContain(id);
    expect(after).not.toContain(findDemoUser("alice")!.oid);
    expect(after).not.toMatch(/electric SUVs/i);
  });

  it("an approval counts as requested, then approved, with its decision time", async () => {
    await recordConnection(findDemoUser("alice")!.oid, "twilio", "alice@contoso.local");
    const before = await metricsText();
    const res = await fetch(`${app.url}/api/conversations`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice}`, "content-type": "application/json" },
      body: JSON.stringify({ message: "Send an SMS to +14155550100 saying hello" }),
    });
    const { id } = (await res.json()) as { id: string };
    const url = `${app.url}/api/conversations/${id}/events`;
    const { events } = await readSse(url, alice, {
      until: (e) => e.type === "approval.requested",
    });
    const requested = events.find((e) => e.type === "approval.requested") as
      { data: { approvalId: string } } | undefined;
    expect(requested).toBeDefined();
    const decided = await fetch(`${app.url}/api/approvals/${requested!.data.approvalId}/decision`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice}`, "content-type": "application/json" },
      body: JSON.stringify({ approve: true }),
    });
    expect(decided.status).toBe(200);
    await readSse(url, alice, { until: isTerminal });
    await drainRuns();
    const after = await metricsText();
    const moved = (name: string, labels: Record<string, string> = {}) =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(moved("fac_approvals_total", { state: "requested" })).toBe(1);
    expect(moved("fac_approvals_total", { state: "approved" })).toBe(1);
    expect(moved("fac_approval_decision_seconds_count", { decision: "approved" })).toBe(1);
    expect(moved("fac_chat_runs_ended_total", { status: "awaiting_approval" })).toBe(1);
    expect(moved("fac_mcp_tool_calls_total", { tool: "twilio_send_sms", outcome: "ok" })).toBe(1);
  });

  it("an unknown tool is counted as 'unknown', not by the name the caller sent", async () => {
    const before = await metricsText();
    const client = new Client({ name: "fac-tests", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${app.url}/api/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${alice}` } },
      }),
    );
    await expect(client.callTool({ name: "no_such_tool_8f3a", arguments: {} })).rejects.toThrow(
      /Unknown tool/,
    );
    await client.close();
    const after = await metricsText();
    expect(
      sample(after, "fac_mcp_tool_calls_total", { tool: "unknown", outcome: "unknown_tool" }) -
        sample(before, "fac_mcp_tool_calls_total", { tool: "unknown", outcome: "unknown_tool" }),
    ).toBe(1);
    expect(after).not.toContain("no_such_tool_8f3a");
  });

  it("open streams are a gauge, and a stream past the cap is counted as a rate-limit refusal", async () => {
    const before = sample(await metricsText(), "fac_rate_limit_refusals_total", {
      limit: "sse_streams",
    });
    // Hold the stream cap (20 by default) open, then one more.
    const controllers: AbortController[] = [];
    const open = async () => {
      const c = new AbortController();
      controllers.push(c);
      return fetch(`${app.url}/api/approvals/events`, {
        headers: { authorization: `Bearer ${alice}` },
        signal: c.signal,
      });
    };
    try {
      for (let i = 0; i < 20; i++) expect((await open()).status).toBe(200);
      expect((await open()).status).toBe(429);
      const during = await metricsText();
      expect(sample(during, "fac_sse_connections", { stream: "approvals" })).toBe(20);
    } finally {
      for (const c of controllers) c.abort();
    }
    const after = sample(await metricsText(), "fac_rate_limit_refusals_total", {
      limit: "sse_streams",
    });
    expect(after - before).toBe(1);
  });
});

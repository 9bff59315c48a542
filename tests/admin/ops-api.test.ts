import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAudit, type AuditEntry } from "@/lib/audit";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { setToolSources } from "@/mcp-server/catalog/sources";
import { startTestApp, type TestApp } from "../helpers/app";

/**
 * The admin operations API: the tool catalog, usage, the audit log (list, detail, verify,
 * export). Calls come from a real MCP access key at /api/mcp, with a budget of 5 calls a minute
 * so that some are refused.
 */

let app: TestApp;
const token: Record<string, string> = {};
const RATE_LIMIT = 5;

beforeAll(async () => {
  app = await startTestApp({ MCP_RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT) });
  for (const u of ["alice", "carol", "dana"])
    token[u] = await mintLocalAccessToken({ username: u });
}, 60_000);
afterAll(async () => app?.close());

function api(path: string, who?: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (who) headers.set("authorization", `Bearer ${token[who]}`);
  return fetch(`${app.url}${path}`, { ...init, headers });
}

async function getJson<T>(path: string, who = "dana"): Promise<T> {
  const res = await api(path, who);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

let callId = 0;
function toolCall(key: string, name: string, args: Record<string, unknown>) {
  return fetch(`${app.url}/api/mcp`, {
    method: "POST",
    headers: {
      "x-api-key": key,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-11-25",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: ++callId,
      method: "tools/call",
      params: { name, arguments: args },
    }),
  });
}

interface AuditItem {
  id: number;
  at: string;
  username: string;
  tool: string;
  outcome: string;
  latencyMs: number;
  idempotencyKey: string | null;
  hash: string;
  prevHash: string;
}

const ADMIN_PATHS: [string, string][] = [
  ["GET", "/api/admin/tools"],
  ["GET", "/api/admin/usage"],
  ["GET", "/api/admin/audit"],
  ["GET", "/api/admin/audit/1"],
  ["POST", "/api/admin/audit/verify"],
  ["GET", "/api/admin/audit/export?format=csv"],
];

describe("who may use the admin API", () => {
  it.each(ADMIN_PATHS)("%s %s without a token is 401 with a challenge", async (method, path) => {
    const res = await api(path, undefined, { method });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });

  it.each(ADMIN_PATHS.flatMap(([m, p]) => [[m, p, "alice"] as const, [m, p, "carol"] as const]))(
    "%s %s is 403 problem+json for %s (a user, an approver)",
    async (method, path, who) => {
      const res = await api(path, who, { method });
      expect(res.status).toBe(403);
      expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      const text = await res.text();
      expect(text).not.toContain("hash");
    },
  );
});

describe("GET /api/admin/tools", () => {
  it("lists every tool with risk, approval, callers, annotations, schema and its policy source", async () => {
    const { items } = await getJson<{ items: Record<string, unknown>[] }>("/api/admin/tools");
    const sms = items.find((t) => t.name === "twilio_send_sms");
    expect(sms).toMatchObject({
      risk: "write",
      approval: "always",
      offered: true,
      callers: { users: "any", apps: ["Tools.Write"] },
      annotations: { readOnlyHint: false },
      inputSchema: { type: "object" },
      source: { allowedBy: "twilio_send_sms", declaredRisk: "write", riskRule: "risks.write" },
    });
    // A delete generated from the OpenAPI document is raised to privileged by an override.
    const del = items.find(
      (t) => (t.openapi as { method?: string } | undefined)?.method === "delete",
    );
    expect(del).toMatchObject({
      risk: "privileged",
      approverRoles: ["Approver"],
      source: {
        allowedBy: "openapi_*",
        riskRule: "risks.privileged",
        overrides: expect.arrayContaining([
          expect.objectContaining({ openapiMethods: ["delete"], risk: "privileged" }),
        ]),
      },
    });
  });
});

describe("configured tool sources on the admin catalog", () => {
  it("shows_each_source_s_state_and_why_a_failed_one_failed", async () => {
    setToolSources([
      { id: "mcp:crm", load: async () => [] },
      {
        id: "openapi:erp",
        load: () => Promise.reject(new Error("HTTP 503 from the document URL")),
      },
    ]);
    try {
      const { sources } = await getJson<{ sources: Record<string, unknown>[] }>("/api/admin/tools");
      expect(sources).toEqual([
        { id: "mcp:crm", state: "ready", tools: 0, loadedAt: expect.any(String) },
        { id: "openapi:erp", state: "failed", tools: 0, error: "HTTP 503 from the document URL" },
      ]);
    } finally {
      setToolSources([]);
    }
  });
});

describe("usage, audit and export after real MCP calls", () => {
  let key: string;

  beforeAll(async () => {
    const res = await api("/api/admin/keys", "dana", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "ops-test", kind: "user", username: "alice" }),
    });
    expect(res.status).toBe(201);
    key = ((await res.json()) as { key: string }).key;
    // 3 good calls, 1 with bad arguments, 1 unknown tool: the budget of 5; then 2 refused.
    for (let i = 0; i < 3; i++) await toolCall(key, "provider_connection_status", {});
    await toolCall(key, "provider_connection_status", { provider: "nope" });
    await toolCall(key, "no_such_tool", {});
    for (let i = 0; i < 2; i++) await toolCall(key, "provider_connection_status", {});
  });

  it("usage counts calls per tool, user and outcome, latency percentiles and refusals", async () => {
    const usage = await getJson<{
      period: { bucket: string };
      totals: Record<string, number | null>;
      byTool: { tool: string; calls: number; ok: number; failed: number; p50: number | null }[];
      byUser: { username: string; calls: number; rateLimited: number }[];
      byOutcome: { outcome: string; calls: number }[];
      series: { start: string; ok: number; failed: number; rateLimited: number }[];
    }>("/api/admin/usage");
    expect(usage.period.bucket).toBe("hour");
    expect(usage.totals).toMatchObject({ calls: 5, ok: 3, failed: 2, rateLimited: 2 });
    expect(usage.totals.p50).toEqual(expect.any(Number));
    expect(usage.totals.p99! >= usage.totals.p50!).toBe(true);
    expect(usage.byTool).toEqual([
      expect.objectContaining({ tool: "provider_connection_status", calls: 4, ok: 3, failed: 1 }),
      expect.objectContaining({ tool: "no_such_tool", calls: 1, ok: 0, failed: 1 }),
    ]);
    // Key changes are audited but are not tool calls.
    expect(usage.byTool.map((t) => t.tool)).not.toContain("mcp_access_key");
    expect(usage.byUser).toEqual([
      expect.objectContaining({ username: "alice@contoso.local", calls: 5, rateLimited: 2 }),
    ]);
    expect(usage.byOutcome).toEqual([
      { outcome: "ok", calls: 3 },
      { outcome: "invalid_arguments", calls: 1 },
      { outcome: "unknown_tool", calls: 1 },
    ]);
    // Hours of the last day, aligned to the hour: 25 buckets (24 when now is on the hour).
    expect([24, 25]).toContain(usage.series.length);
    const sum = usage.series.reduce(
      (s, p) => ({ ok: s.ok + p.ok, failed: s.failed + p.failed, rl: s.rl + p.rateLimited }),
      { ok: 0, failed: 0, rl: 0 },
    );
    expect(sum).toEqual({ ok: 3, failed: 2, rl: 2 });
  });

  it("usage_period_that_ends_before_it_starts_gives_400", async () => {
    const res = await api(
      "/api/admin/usage?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
      "dana",
    );
    expect(res.status).toBe(400);
    const minutesOverAYear = await api(
      "/api/admin/usage?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&bucket=minute",
      "dana",
    );
    expect(minutesOverAYear.status).toBe(400);
    expect((await api("/api/admin/usage?bucket=week", "dana")).status).toBe(400);
    expect((await api("/api/admin/usage?from=yesterday", "dana")).status).toBe(400);
  });

  it("an empty period has no calls, empty buckets and no percentiles", async () => {
    const usage = await getJson<{ totals: Record<string, unknown>; series: unknown[] }>(
      "/api/admin/usage?from=2020-01-01T00:00:00Z&to=2020-01-01T01:00:00Z",
    );
    expect(usage.totals).toEqual({
      calls: 0,
      ok: 0,
      failed: 0,
      rateLimited: 0,
      p50: null,
      p95: null,
      p99: null,
    });
    expect(usage.series).toHaveLength(60);
  });

  it("the audit list filters by user, tool, outcome and time", async () => {
    type Page = { items: AuditItem[]; nextCursor: string | null };
    const all = await getJson<Page>("/api/admin/audit");
    // 5 calls and dana's key creation, newest first.
    expect(all.items.map((i) => i.tool)).toEqual([
      "no_such_tool",
      "provider_connection_status",
      "provider_connection_status",
      "provider_connection_status",
      "provider_connection_status",
      "mcp_access_key",
    ]);
    expect(all.nextCursor).toBeNull();

    const ok = await getJson<Page>("/api/admin/audit?outcome=ok&tool=provider_connection_status");
    expect(ok.items).toHaveLength(3);
    const alice = await getJson<Page>("/api/admin/audit?user=ALICE@contoso.local");
    expect(alice.items).toHaveLength(5);
    const dana = await getJson<Page>("/api/admin/audit?user=dana@contoso.local");
    expect(dana.items.map((i) => i.outcome)).toEqual(["key_created"]);
    const future = await getJson<Page>("/api/admin/audit?from=2999-01-01T00:00:00Z");
    expect(future.items).toEqual([]);
    const past = await getJson<Page>("/api/admin/audit?to=2020-01-01T00:00:00Z");
    expect(past.items).toEqual([]);
  });

  it("pages with a cursor until every entry was seen once", async () => {
    const seen: number[] = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const page: { items: AuditItem[]; nextCursor: string | null } = await getJson(
        `/api/admin/audit?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    }
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
  });

  it("bad_audit_query_gives_400", async () => {
    for (const q of ["limit=0", "limit=500", "cursor=abc", "from=monday", "user=", "colour=red"])
      expect((await api(`/api/admin/audit?${q}`, "dana")).status, q).toBe(400);
    expect((await api("/api/admin/audit/abc", "dana")).status).toBe(400);
  });

  it("an entry's detail checks its own hash and link; an unknown id is 404", async () => {
    const { items } = await getJson<{ items: AuditItem[] }>("/api/admin/audit?limit=1");
    const detail = await getJson<AuditItem & { check: Record<string, boolean> }>(
      `/api/admin/audit/${items[0]!.id}`,
    );
    expect(detail).toMatchObject({
      ...items[0],
      check: { contentMatchesHash: true, linkedToPrevious: true },
    });
    expect((await api("/api/admin/audit/999999", "dana")).status).toBe(404);
  });

  it("exports JSON Lines: one entry a line, in chain order, as a download", async () => {
    const res = await api("/api/admin/audit/export?format=jsonl&user=alice@contoso.local", "dana");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/jsonl/);
    expect(res.headers.get("content-disposition")).toMatch(
      /^attachment; filename="audit-[0-9TZ-]+\.jsonl"$/,
    );
    const lines = (await res.text()).trimEnd().split("\n");
    expect(lines).toHaveLength(5);
    const rows = lines.map((l) => JSON.parse(l) as AuditItem);
    expect(rows.map((r) => r.id)).toEqual([...rows.map((r) => r.id)].sort((a, b) => a - b));
    expect(rows[1]!.prevHash).toBe(rows[0]!.hash);
  });

  it("exports CSV: a header, one row an entry, as a download", async () => {
    const res = await api("/api/admin/audit/export?format=csv&outcome=ok", "dana");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-disposition")).toMatch(/filename="audit-[0-9TZ-]+\.csv"$/);
    const lines = (await res.text()).split("\r\n");
    expect(lines[0]).toBe(
      "id,at,userId,username,principalKind,tool,risk,argsHash,outcome,latencyMs,correlationId,idempotencyKey,prevHash,hash",
    );
    expect(lines.slice(1, -1)).toHaveLength(3);
    expect(lines.at(-1)).toBe("");
  });

  it("csv_export_quotes_separators_and_defuses_formulas_in_cells", async () => {
    const entry: AuditEntry = {
      at: new Date(),
      userId: "u-evil",
      username: '=HYPERLINK("http://x","click"), me',
      principalKind: "user",
      tool: "provider_connection_status",
      risk: "read",
      argsHash: "0".repeat(64),
      outcome: "ok",
      latencyMs: 1,
      correlationId: "c\r\nd",
      idempotencyKey: "@SUM(A1)",
    };
    await appendAudit(entry);
    const res = await api("/api/admin/audit/export?format=csv&user=u-evil", "dana");
    const text = await res.text();
    expect(text).toContain(`"'=HYPERLINK(""http://x"",""click""), me"`);
    expect(text).toContain(`,"c\r\nd",'@SUM(A1),`);
    const json = await api("/api/admin/audit/export?format=jsonl&user=u-evil", "dana");
    expect(JSON.parse(await json.text())).toMatchObject({
      username: entry.username,
      idempotencyKey: "@SUM(A1)",
    });
  });

  it("verify reports a good chain, then the first broken entry of a tampered one", async () => {
    const good = await (await api("/api/admin/audit/verify", "dana", { method: "POST" })).json();
    expect(good).toMatchObject({
      ok: true,
      checked: 7,
      lastHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });

    const { items } = await getJson<{ items: AuditItem[] }>(
      "/api/admin/audit?outcome=invalid_arguments",
    );
    const victim = items[0]!;
    const db = app.db.db;
    await db.execute(sql`alter table audit_log disable trigger audit_log_no_update_delete`);
    try {
      await db.execute(sql`update audit_log set outcome = 'ok' where id = ${victim.id}`);
      const res = await api("/api/admin/audit/verify", "dana", { method: "POST" });
      expect(res.status).toBe(200);
      const bad = await res.json();
      expect(bad).toMatchObject({
        ok: false,
        brokenAt: victim.id,
        reason: "content does not match its hash",
      });
      expect(bad.checked).toBeGreaterThan(0);
      const detail = await getJson<{ check: Record<string, boolean> }>(
        `/api/admin/audit/${victim.id}`,
      );
      expect(detail.check).toEqual({ contentMatchesHash: false, linkedToPrevious: true });
    } finally {
      await db.execute(
        sql`update audit_log set outcome = ${victim.outcome} where id = ${victim.id}`,
      );
      await db.execute(sql`alter table audit_log enable trigger audit_log_no_update_delete`);
    }
    const again = await (await api("/api/admin/audit/verify", "dana", { method: "POST" })).json();
    expect(again).toMatchObject({ ok: true, checked: 7 });
  });
});

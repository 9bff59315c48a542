import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { argumentHash, verifyAuditChain } from "@/lib/audit";
import { auditLog } from "@/lib/db/schema";
import { findDemoUser } from "@/lib/identity/local-idp/users";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { startTestApp, type TestApp } from "../helpers/app";

let app: TestApp;
const token: Record<string, string> = {};

beforeAll(async () => {
  app = await startTestApp();
  for (const u of ["alice", "carol", "dana"])
    token[u] = await mintLocalAccessToken({ username: u });
}, 60_000);
afterAll(async () => app?.close());

function api(path: string, who: string, init: RequestInit & { json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${token[who]}`);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  return fetch(`${app.url}${path}`, {
    ...init,
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });
}

/** A JSON-RPC call at /api/mcp with an access key (stateless: no initialize needed). */
function mcpWithKey(key: string, method = "tools/list") {
  return fetch(`${app.url}/api/mcp`, {
    method: "POST",
    headers: {
      "x-api-key": key,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-11-25",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method }),
  });
}

interface Item {
  id: string;
  name: string;
  kind: string;
  userId?: string;
  roles: string[];
  keyPrefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** The keys this suite made (the embedded agent service's key connection has one of its own). */
const ours = (items: Item[]) => items.filter((k) => !k.name.startsWith("local-foundry-"));
const list = async (who = "dana") =>
  ours(((await (await api("/api/admin/keys", who)).json()) as { items: Item[] }).items);

describe("/api/admin/keys", () => {
  let created: Item & { key: string };

  it("dana creates an app key: 201, the key shown once, no-store; the list never contains it", async () => {
    const res = await api("/api/admin/keys", "dana", {
      method: "POST",
      json: { name: "foundry-project", kind: "app", roles: ["Tools.Read"] },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    created = (await res.json()) as Item & { key: string };
    expect(created).toMatchObject({
      name: "foundry-project",
      kind: "app",
      roles: ["Tools.Read"],
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(created.id).toMatch(/^key_[0-9a-f]{16}$/);
    expect(created.key).toMatch(/^fac_mcp_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(created.keyPrefix)).toBe(true);
    expect(created).not.toHaveProperty("userId");
    expect(created).not.toHaveProperty("keyHash");

    const res2 = await api("/api/admin/keys", "dana");
    expect(res2.status).toBe(200);
    expect(res2.headers.get("cache-control")).toBe("no-store");
    const text = await res2.text();
    expect(text).not.toContain(created.key);
    expect(text).not.toMatch(/hash/i);
    const all = (JSON.parse(text) as { items: Item[] }).items;
    expect(all.find((k) => k.name.startsWith("local-foundry-"))).toMatchObject({ kind: "app" });
    const items = ours(all);
    expect(items).toEqual([
      {
        id: created.id,
        name: "foundry-project",
        kind: "app",
        roles: ["Tools.Read"],
        keyPrefix: created.keyPrefix,
        createdAt: created.createdAt,
        lastUsedAt: null,
        revokedAt: null,
      },
    ]);
  });

  it("the key authenticates at /api/mcp as the app principal (tools/list), and its use is recorded", async () => {
    const res = await mcpWithKey(created.key);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { tools: { name: string }[] } };
    expect(body.result.tools.length).toBeGreaterThan(0);
    // An app key with Tools.Read sees read tools only.
    const names = body.result.tools.map((t) => t.name);
    expect(names).toContain("tavily_search");
    expect(names).not.toContain("twilio_send_sms");
    const [item] = (await list()).filter((k) => k.id === created.id);
    expect(item!.lastUsedAt).not.toBeNull();
  });

  it("creates a user key acting as a demo user, with the defaults", async () => {
    const res = await api("/api/admin/keys", "dana", {
      method: "POST",
      json: { name: "as-carol", kind: "user", username: "carol" },
    });
    expect(res.status).toBe(201);
    const item = (await res.json()) as Item & { key: string };
    expect(item).toMatchObject({ kind: "user", userId: findDemoUser("carol")!.oid, roles: [] });
    const tools = (await (await mcpWithKey(item.key)).json()) as {
      result: { tools: { name: string }[] };
    };
    expect(tools.result.tools.map((t) => t.name)).toContain("twilio_send_sms");

    const app2 = await api("/api/admin/keys", "dana", {
      method: "POST",
      json: { name: "default-roles", kind: "app" },
    });
    expect(((await app2.json()) as Item).roles).toEqual(["Tools.Read"]);
  });

  it("409 for a duplicate name; 400 for bad bodies, an unknown user and a malformed id", async () => {
    const dup = await api("/api/admin/keys", "dana", {
      method: "POST",
      json: { name: "foundry-project", kind: "app" },
    });
    expect(dup.status).toBe(409);
    expect(dup.headers.get("content-type")).toContain("application/problem+json");

    const bad: unknown[] = [
      {},
      { name: "x" },
      { name: "has space", kind: "app" },
      { name: "a".repeat(65), kind: "app" },
      { name: "x", kind: "robot" },
      { name: "x", kind: "app", roles: ["Admin"] },
      { name: "x", kind: "app", extra: true },
      { name: "x", kind: "app", username: "alice" },
      { name: "x", kind: "user" },
      { name: "x", kind: "user", username: "alice", roles: ["Tools.Read"] },
      { name: "x", kind: "user", username: "nobody" },
      [],
    ];
    for (const json of bad) {
      const res = await api("/api/admin/keys", "dana", { method: "POST", json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
    const notJson = await api("/api/admin/keys", "dana", { method: "POST", body: "name=x" });
    expect(notJson.status).toBe(415);
    expect((await api("/api/admin/keys/not-a-key", "dana", { method: "DELETE" })).status).toBe(400);
    expect(
      (await api("/api/admin/keys/key_0000000000000000", "dana", { method: "DELETE" })).status,
    ).toBe(404);
    expect((await list()).map((k) => k.name)).toEqual([
      "foundry-project",
      "as-carol",
      "default-roles",
    ]);
  });

  it("alice and carol get 403 on every route; no credentials is 401", async () => {
    for (const who of ["alice", "carol"]) {
      const responses = [
        await api("/api/admin/keys", who),
        await api("/api/admin/keys", who, {
          method: "POST",
          json: { name: `by-${who}`, kind: "app" },
        }),
        await api(`/api/admin/keys/${created.id}`, who, { method: "DELETE" }),
      ];
      for (const res of responses) {
        expect(res.status).toBe(403);
        expect(res.headers.get("content-type")).toContain("application/problem+json");
        expect(await res.text()).not.toContain("fac_mcp_");
      }
    }
    expect((await fetch(`${app.url}/api/admin/keys`)).status).toBe(401);
    expect((await mcpWithKey(created.key)).status).toBe(200); // still active
    expect((await list()).map((k) => k.name)).not.toContain("by-alice");
  });

  it("dana revokes: 204 (again 204), and the key is refused at /api/mcp (401)", async () => {
    expect((await api(`/api/admin/keys/${created.id}`, "dana", { method: "DELETE" })).status).toBe(
      204,
    );
    const [item] = (await list()).filter((k) => k.id === created.id);
    expect(item!.revokedAt).not.toBeNull();
    const refused = await mcpWithKey(created.key);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toContain('error="invalid_token"');

    expect((await api(`/api/admin/keys/${created.id}`, "dana", { method: "DELETE" })).status).toBe(
      204,
    );
    const [again] = (await list()).filter((k) => k.id === created.id);
    expect(again!.revokedAt).toBe(item!.revokedAt);
  });

  it("writes audit rows for creation and revocation (once each), in an intact chain", async () => {
    const rows = await app.db.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.tool, "mcp_access_key"))
      .orderBy(auditLog.id);
    const dana = findDemoUser("dana")!;
    const keys = await list();
    const byName = (n: string) => keys.find((k) => k.name === n)!;
    expect(
      rows.map((r) => ({
        outcome: r.outcome,
        idempotencyKey: r.idempotencyKey,
        userId: r.userId,
        principalKind: r.principalKind,
      })),
    ).toEqual([
      ...["foundry-project", "as-carol", "default-roles"].map((n) => ({
        outcome: "key_created",
        idempotencyKey: byName(n).id,
        userId: dana.oid,
        principalKind: "user",
      })),
      {
        outcome: "key_revoked",
        idempotencyKey: created.id,
        userId: dana.oid,
        principalKind: "user",
      },
    ]);
    expect(rows[0]!.argsHash).toBe(
      argumentHash({ name: "foundry-project", kind: "app", roles: ["Tools.Read"] }),
    );
    expect(rows[1]!.argsHash).toBe(argumentHash({ name: "as-carol", kind: "user", roles: [] }));
    expect(rows.every((r) => r.username === dana.preferredUsername)).toBe(true);
    expect(await verifyAuditChain()).toMatchObject({ ok: true });
  });
});

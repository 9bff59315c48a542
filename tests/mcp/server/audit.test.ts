import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appendAudit,
  chainHash,
  argumentHash,
  canonicalJson,
  GENESIS_HASH,
  verifyAuditChain,
  type AuditEntry,
} from "@/lib/audit";
import { resetConfig } from "@/lib/config";
import { auditLog } from "@/lib/db/schema";
import { useFreshDb, type DbKind } from "../../helpers/db";

function entry(i: number): AuditEntry {
  return {
    at: new Date(),
    userId: `user-${i % 3}`,
    username: `user${i % 3}@contoso.local`,
    principalKind: "user",
    tool: "twilio_send_sms",
    risk: "write",
    argsHash: argumentHash({ to: "+447911123456", body: `message ${i}` }),
    outcome: i % 5 === 0 ? "invalid_arguments" : "ok",
    latencyMs: i,
    correlationId: `corr-${i}`,
    idempotencyKey: i % 2 ? `key-${i}` : null,
  };
}

describe("canonical JSON and argument hashes", () => {
  it("is independent of key order and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: [true, null, "x"], c: undefined, d: { z: 1, y: 2 } })).toBe(
      '{"a":[true,null,"x"],"b":1,"d":{"y":2,"z":1}}',
    );
    expect(argumentHash({ to: "+1", body: "hi" })).toBe(argumentHash({ body: "hi", to: "+1" }));
    expect(argumentHash({ to: "+1", body: "hi" })).not.toBe(
      argumentHash({ to: "+1", body: "hi!" }),
    );
    expect(argumentHash({ n: 1 })).toMatch(/^[0-9a-f]{64}$/);
    expect(() => canonicalJson({ n: Number.NaN })).toThrow();
  });
});

describe.each<DbKind>(["pglite", "postgres"])("audit chain on %s", (kind) => {
  let db: Awaited<ReturnType<typeof useFreshDb>>;
  beforeAll(async () => {
    db = await useFreshDb(kind);
  });
  afterAll(async () => db?.close());

  it("verifies an empty chain", async () => {
    expect(await verifyAuditChain()).toEqual({ ok: true, rows: 0, lastHash: "0".repeat(64) });
  });

  it("serializes concurrent appends into one unforked chain", async () => {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => appendAudit(entry(i))));
    expect(new Set(results.map((r) => r.hash)).size).toBe(40);
    const rows = await db.handle.db.select().from(auditLog).orderBy(auditLog.id);
    expect(rows).toHaveLength(40);
    expect(rows[0]!.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
    expect(await verifyAuditChain()).toMatchObject({ ok: true, rows: 40 });
  });

  it("refuses updates and deletes (append-only) and a second row on the same predecessor", async () => {
    await expect(db.handle.db.execute(sql`update audit_log set outcome = 'ok'`)).rejects.toThrow();
    await expect(db.handle.db.execute(sql`delete from audit_log`)).rejects.toThrow();
    const [last] = await db.handle.db
      .select()
      .from(auditLog)
      .orderBy(sql`id desc`)
      .limit(1);
    await expect(
      db.handle.db
        .insert(auditLog)
        .values({ ...entry(99), prevHash: last!.prevHash, hash: "f".repeat(64) }),
    ).rejects.toThrow();
  });

  it("detects a tampered row and a removed row (by someone who can disable the triggers)", async () => {
    const rows = await db.handle.db.select().from(auditLog).orderBy(auditLog.id);
    const victim = rows[10]!;
    await db.handle.db.execute(
      sql`alter table audit_log disable trigger audit_log_no_update_delete`,
    );
    try {
      await db.handle.db.execute(
        sql`update audit_log set outcome = 'ok', latency_ms = 1 where id = ${victim.id}`,
      );
      expect(await verifyAuditChain()).toMatchObject({ ok: false, brokenAt: victim.id });
      await db.handle.db.execute(
        sql`update audit_log set outcome = ${victim.outcome}, latency_ms = ${victim.latencyMs} where id = ${victim.id}`,
      );
      expect(await verifyAuditChain()).toMatchObject({ ok: true, rows: 40 });
      await db.handle.db.execute(sql`delete from audit_log where id = ${rows[20]!.id}`);
      expect(await verifyAuditChain()).toMatchObject({ ok: false, brokenAt: rows[21]!.id });
    } finally {
      await db.handle.db.execute(
        sql`alter table audit_log enable trigger audit_log_no_update_delete`,
      );
    }
  });
});

describe.each<DbKind>(["pglite", "postgres"])("audit appends after other writers on %s", (kind) => {
  let db: Awaited<ReturnType<typeof useFreshDb>>;
  beforeAll(async () => {
    db = await useFreshDb(kind);
  });
  afterAll(async () => db?.close());

  const lastRow = async () =>
    (
      await db.handle.db
        .select()
        .from(auditLog)
        .orderBy(sql`id desc`)
        .limit(1)
    )[0]!;

  it("chains after a row another replica appended since this process's last append", async () => {
    const first = await appendAudit(entry(1));
    // Another replica extends the chain (exactly as appendAudit would there).
    const other = { ...entry(2), at: new Date(Date.now()) };
    const otherHash = chainHash(other, first.hash);
    await db.handle.db.insert(auditLog).values({ ...other, prevHash: first.hash, hash: otherHash });
    const third = await appendAudit(entry(3));
    expect((await lastRow()).prevHash).toBe(otherHash);
    expect(third.id).toBe((await lastRow()).id);
    expect(await verifyAuditChain()).toMatchObject({ ok: true, rows: 3 });
  });

  it("chains onto the stored last row when the one this process wrote last is gone", async () => {
    const before = await lastRow();
    await appendAudit(entry(4));
    await db.handle.db.execute(
      sql`alter table audit_log disable trigger audit_log_no_update_delete`,
    );
    try {
      await db.handle.db.execute(
        sql`delete from audit_log where id = (select max(id) from audit_log)`,
      );
    } finally {
      await db.handle.db.execute(
        sql`alter table audit_log enable trigger audit_log_no_update_delete`,
      );
    }
    await appendAudit(entry(5));
    expect((await lastRow()).prevHash).toBe(before.hash);
    expect(await verifyAuditChain()).toMatchObject({ ok: true, rows: 4 });
  });

  it("keeps concurrent appends after those fallbacks linear and in id order", async () => {
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => appendAudit(entry(i))));
    expect(results.map((r) => r.id)).toEqual([...results.map((r) => r.id)].sort((a, b) => a - b));
    expect(await verifyAuditChain()).toMatchObject({ ok: true, rows: 34 });
  });
});

describe.each<DbKind>(["pglite", "postgres"])("audit commit modes on %s", (kind) => {
  let db: Awaited<ReturnType<typeof useFreshDb>>;
  beforeAll(async () => {
    db = await useFreshDb(kind);
  });
  afterAll(async () => db?.close());

  it("durable_commit_mode_chains_the_same: AUDIT_DURABLE_COMMIT=true appends verify too", async () => {
    process.env.AUDIT_DURABLE_COMMIT = "true";
    resetConfig();
    try {
      const before = (await verifyAuditChain()).rows;
      await Promise.all(Array.from({ length: 10 }, (_, i) => appendAudit(entry(100 + i))));
      expect(await verifyAuditChain()).toMatchObject({ ok: true, rows: before + 10 });
    } finally {
      delete process.env.AUDIT_DURABLE_COMMIT;
      resetConfig();
    }
  });
});

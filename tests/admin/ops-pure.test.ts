import { describe, expect, it } from "vitest";
import { csvField, csvHeader, csvRow, exportFileName, jsonlRow } from "@/lib/admin/export";
import { bucketStarts, PeriodError, resolvePeriod } from "@/lib/admin/period";
import { buildSeries, mergeByUser, percentile } from "@/lib/admin/usage";
import { mergeRefusals, minuteOf } from "@/lib/limits/refusals";
import { adminCatalog } from "@/mcp-server/admin-catalog";
import { builtinTools } from "@/mcp-server/catalog";
import { POLICY, type Policy } from "@/mcp-server/policy";

const at = (s: string) => new Date(s);

describe("resolvePeriod", () => {
  const now = at("2026-03-10T12:34:56Z");

  it("defaults to the last day in hours", () => {
    expect(resolvePeriod({}, now)).toEqual({
      from: at("2026-03-09T12:34:56Z"),
      to: now,
      bucket: "hour",
    });
  });

  it("picks minutes up to two hours and days beyond ten days", () => {
    expect(resolvePeriod({ from: at("2026-03-10T11:00:00Z") }, now).bucket).toBe("minute");
    expect(resolvePeriod({ from: at("2026-02-01T00:00:00Z") }, now).bucket).toBe("day");
  });

  it("refuses an empty or reversed period, over a year, or too many buckets", () => {
    expect(() => resolvePeriod({ from: now, to: now }, now)).toThrow(PeriodError);
    expect(() => resolvePeriod({ from: at("2027-01-01T00:00:00Z") }, now)).toThrow(PeriodError);
    expect(() => resolvePeriod({ from: at("2020-01-01T00:00:00Z") }, now)).toThrow(/366 days/);
    expect(() =>
      resolvePeriod({ from: at("2026-03-01T00:00:00Z"), bucket: "minute" }, now),
    ).toThrow(/larger buckets/);
  });

  it("bucket starts are aligned to the bucket size and cover the period", () => {
    const p = {
      from: at("2026-03-10T10:30:00Z"),
      to: at("2026-03-10T12:10:00Z"),
      bucket: "hour" as const,
    };
    expect(bucketStarts(p).map((t) => new Date(t).toISOString())).toEqual([
      "2026-03-10T10:00:00.000Z",
      "2026-03-10T11:00:00.000Z",
      "2026-03-10T12:00:00.000Z",
    ]);
  });
});

describe("buildSeries", () => {
  const period = {
    from: at("2026-03-10T10:00:00Z"),
    to: at("2026-03-10T13:00:00Z"),
    bucket: "hour" as const,
  };

  it("fills empty buckets and places calls and refusals in theirs", () => {
    const series = buildSeries(
      period,
      [
        { bucketStart: at("2026-03-10T10:00:00Z").getTime(), success: true, calls: 4 },
        { bucketStart: at("2026-03-10T10:00:00Z").getTime(), success: false, calls: 1 },
        { bucketStart: at("2026-03-10T12:00:00Z").getTime(), success: true, calls: 2 },
        // Outside the period: ignored.
        { bucketStart: at("2026-03-10T15:00:00Z").getTime(), success: true, calls: 9 },
      ],
      [
        { minute: at("2026-03-10T12:59:00Z"), count: 3 },
        { minute: at("2026-03-10T12:01:00Z"), count: 1 },
      ],
    );
    expect(series).toEqual([
      { start: "2026-03-10T10:00:00.000Z", ok: 4, failed: 1, rateLimited: 0 },
      { start: "2026-03-10T11:00:00.000Z", ok: 0, failed: 0, rateLimited: 0 },
      { start: "2026-03-10T12:00:00.000Z", ok: 2, failed: 0, rateLimited: 4 },
    ]);
  });
});

describe("mergeByUser", () => {
  it("adds calls by outcome class and refusals, busiest first", () => {
    expect(
      mergeByUser(
        [
          { username: "alice", outcome: "ok", calls: 2 },
          { username: "alice", outcome: "replayed", calls: 1 },
          { username: "alice", outcome: "forbidden", calls: 1 },
          { username: "bob", outcome: "ok", calls: 1 },
        ],
        [
          { username: "bob", count: 5 },
          { username: "carol", count: 1 },
        ],
      ),
    ).toEqual([
      { username: "bob", calls: 1, ok: 1, failed: 0, rateLimited: 5 },
      { username: "alice", calls: 4, ok: 3, failed: 1, rateLimited: 0 },
      { username: "carol", calls: 0, ok: 0, failed: 0, rateLimited: 1 },
    ]);
  });
});

describe("percentile (nearest rank, as percentile_disc)", () => {
  it("gives null for none and a member of the values otherwise", () => {
    expect(percentile([], 0.5)).toBeNull();
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(v, 0.5), percentile(v, 0.95), percentile(v, 0.99)]).toEqual([50, 95, 99]);
    expect(percentile([7], 0.99)).toBe(7);
  });
});

describe("mergeRefusals", () => {
  it("one row per limiter, caller and minute, counting each refusal", () => {
    const r = (userId: string, time: string) => ({
      limiter: "mcp-call",
      userId,
      username: `${userId}@x`,
      at: at(time),
    });
    expect(
      mergeRefusals([
        r("a", "2026-03-10T10:00:01Z"),
        r("a", "2026-03-10T10:00:59Z"),
        r("a", "2026-03-10T10:01:00Z"),
        r("b", "2026-03-10T10:00:30Z"),
      ]),
    ).toEqual([
      {
        limiter: "mcp-call",
        userId: "a",
        username: "a@x",
        minute: at("2026-03-10T10:00:00Z"),
        count: 2,
      },
      {
        limiter: "mcp-call",
        userId: "a",
        username: "a@x",
        minute: at("2026-03-10T10:01:00Z"),
        count: 1,
      },
      {
        limiter: "mcp-call",
        userId: "b",
        username: "b@x",
        minute: at("2026-03-10T10:00:00Z"),
        count: 1,
      },
    ]);
    expect(minuteOf(at("2026-03-10T10:00:59.999Z"))).toEqual(at("2026-03-10T10:00:00Z"));
  });
});

describe("CSV and JSON Lines", () => {
  it("csv fields: plain, quoted, doubled quotes, null, numbers", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("line\nbreak")).toBe('"line\nbreak"');
    expect(csvField(null)).toBe("");
    expect(csvField(-5)).toBe("-5");
  });

  it("csv_cells_starting_with_formula_characters_are_prefixed_with_a_quote", () => {
    for (const s of ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
      expect(csvField(s).replace(/^"/, "")).toMatch(/^'/);
    expect(csvField("=A1,B1")).toBe(`"'=A1,B1"`);
    expect(csvField("a=b")).toBe("a=b");
  });

  it("a row has every column in the header's order", () => {
    const item = {
      id: 3,
      at: "2026-03-10T10:00:00.000Z",
      userId: "u",
      username: "alice",
      principalKind: "user" as const,
      tool: "t",
      risk: "read",
      argsHash: "a".repeat(64),
      outcome: "ok",
      latencyMs: 12,
      correlationId: "c",
      idempotencyKey: null,
      prevHash: "0".repeat(64),
      hash: "b".repeat(64),
    };
    expect(csvHeader().split(",")).toHaveLength(14);
    expect(csvRow(item)).toBe(
      `3,2026-03-10T10:00:00.000Z,u,alice,user,t,read,${"a".repeat(64)},ok,12,c,,${"0".repeat(64)},${"b".repeat(64)}\r\n`,
    );
    expect(JSON.parse(jsonlRow(item))).toEqual(item);
    expect(exportFileName("csv", at("2026-03-10T10:00:00.123Z"))).toBe(
      "audit-2026-03-10T10-00-00-123Z.csv",
    );
  });
});

describe("adminCatalog", () => {
  it("lists every catalog tool, says which the policy offers, and why", () => {
    const entries = adminCatalog();
    expect(entries.map((e) => e.name)).toEqual(builtinTools.map((t) => t.name));
    const search = entries.find((e) => e.name === "tavily_search")!;
    expect(search).toMatchObject({
      risk: "read",
      approval: "never",
      offered: true,
      callers: { users: "any", apps: ["Tools.Read", "Tools.Write"] },
      source: { allowedBy: "tavily_search", declaredRisk: "read", overrides: [] },
    });
  });

  it("a tool no allow entry matches is listed as not offered", () => {
    const policy: Policy = { ...POLICY, allow: ["tavily_search"] };
    const sms = adminCatalog(builtinTools, policy).find((e) => e.name === "twilio_send_sms")!;
    expect(sms.offered).toBe(false);
    expect(sms.source.allowedBy).toBeNull();
  });
});

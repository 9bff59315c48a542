import { and, eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { providerSessions } from "@/lib/db/schema";
import { twilioSendSms } from "@/mcp-server/catalog/tools/twilio-send-sms";
import {
  clearSandboxSessionFaults,
  expireSandboxSessions,
  rejectNextSandboxSessionChecks,
  sandboxSessionIssuer,
} from "@/mcp-server/providers/sandbox/session-issuer";
import { SESSION_TTL_MS, withProviderSession } from "@/mcp-server/providers/sessions";
import { ProviderAuthError, type ProviderSession } from "@/mcp-server/providers/types";
import { connect, ctx, principal, toolError, setupMemoryDb } from "./helpers";

const db = setupMemoryDb();

async function cached(userId: string, provider: string) {
  const [row] = await db
    .handle()
    .db.select()
    .from(providerSessions)
    .where(and(eq(providerSessions.userId, userId), eq(providerSessions.provider, provider)));
  return row;
}

/** Counts issued sessions so tests see exactly when one is (re)created. */
function countingIssuer() {
  const issued: ProviderSession[] = [];
  return {
    issued,
    create: async (userId: string, provider: string, ttl: number) => {
      const s = await sandboxSessionIssuer.create(userId, provider, ttl);
      issued.push(s);
      return s;
    },
  };
}

afterEach(() => clearSandboxSessionFaults());

describe("withProviderSession", () => {
  it("creates a 1-hour session once and reuses it while it lives", async () => {
    const p = principal("s1");
    const issuer = countingIssuer();
    const seen: string[] = [];
    const t0 = Date.now();
    await withProviderSession(p.userId, "twilio", async (s) => void seen.push(s.id), { issuer });
    await withProviderSession(p.userId, "twilio", async (s) => void seen.push(s.id), { issuer });
    expect(issuer.issued).toHaveLength(1);
    expect(seen).toEqual([issuer.issued[0]!.id, issuer.issued[0]!.id]);
    const row = await cached(p.userId, "twilio");
    expect(row!.expiresAt.getTime() - t0).toBeGreaterThanOrEqual(SESSION_TTL_MS - 5_000);
    expect(row!.expiresAt.getTime() - t0).toBeLessThanOrEqual(SESSION_TTL_MS + 5_000);
  });

  it("recreates the session once the TTL has passed", async () => {
    const p = principal("s2");
    const issuer = countingIssuer();
    await withProviderSession(p.userId, "gmail", async () => undefined, { issuer });
    const later = () => new Date(Date.now() + SESSION_TTL_MS + 1000);
    await withProviderSession(p.userId, "gmail", async () => undefined, { issuer, now: later });
    expect(issuer.issued).toHaveLength(2);
    expect((await cached(p.userId, "gmail"))!.sessionId).toBe(issuer.issued[1]!.id);
  });

  it("on 401 recreates the session and retries exactly once", async () => {
    const p = principal("s3");
    const issuer = countingIssuer();
    const attempts: string[] = [];
    const result = await withProviderSession(
      p.userId,
      "graph",
      async (s) => {
        attempts.push(s.id);
        if (attempts.length === 1) throw new ProviderAuthError(401);
        return "ok";
      },
      { issuer },
    );
    expect(result).toBe("ok");
    expect(attempts).toHaveLength(2);
    expect(attempts[0]).not.toBe(attempts[1]);
    expect(issuer.issued).toHaveLength(2);
  });

  it("gives up with session_expired after the retry is rejected too (403)", async () => {
    const p = principal("s4");
    let calls = 0;
    const err = await withProviderSession(p.userId, "graph", async () => {
      calls += 1;
      throw new ProviderAuthError(403);
    }).catch((e: unknown) => e);
    expect(calls).toBe(2);
    expect(err).toMatchObject({
      code: "session_expired",
      details: { retriable: true, provider: "graph" },
    });
  });

  it("does not retry other failures", async () => {
    const p = principal("s5");
    let calls = 0;
    await expect(
      withProviderSession(p.userId, "graph", async () => {
        calls += 1;
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(calls).toBe(1);
  });
});

describe("a sandbox provider whose sessions expire", () => {
  it("a tool call survives a session revoked at the provider: recreated, retried, sent once", async () => {
    const p = principal("s6");
    await connect(p, "twilio");
    await twilioSendSms.run({ to: "+14155550123", body: "first" }, ctx(p));
    const before = (await cached(p.userId, "twilio"))!.sessionId;
    expect(await expireSandboxSessions(p.userId, "twilio")).toBe(1);
    const out = await twilioSendSms.run({ to: "+14155550123", body: "second" }, ctx(p));
    expect(out.status).toBe("queued");
    const after = (await cached(p.userId, "twilio"))!.sessionId;
    expect(after).not.toBe(before);
  });

  it("a provider that keeps rejecting yields session_expired, and nothing is sent", async () => {
    const p = principal("s7");
    await connect(p, "twilio");
    rejectNextSandboxSessionChecks(p.userId, "twilio", 2);
    const err = await toolError(twilioSendSms, { to: "+14155550123", body: "never" }, ctx(p));
    expect(err.code).toBe("session_expired");
    expect(err.details.retriable).toBe(true);
    // The next call works again.
    expect((await twilioSendSms.run({ to: "+14155550123", body: "now" }, ctx(p))).status).toBe(
      "queued",
    );
  });

  it("expiring one user's sessions leaves another user's alone", async () => {
    const a = principal("s8a");
    const b = principal("s8b");
    await connect(a, "twilio");
    await connect(b, "twilio");
    await twilioSendSms.run({ to: "+14155550123", body: "a" }, ctx(a));
    await twilioSendSms.run({ to: "+14155550123", body: "b" }, ctx(b));
    const bSession = (await cached(b.userId, "twilio"))!.sessionId;
    await expireSandboxSessions(a.userId);
    await twilioSendSms.run({ to: "+14155550123", body: "b2" }, ctx(b));
    expect((await cached(b.userId, "twilio"))!.sessionId).toBe(bSession);
  });
});

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { argumentHash } from "@/lib/audit";
import {
  consumeApproval,
  createApproval,
  createApprovedLike,
  decideApproval,
  findApprovedLike,
  type NewApproval,
} from "@/lib/approvals/store";
import { recordApprovalRequests } from "@/lib/chat/approvals";
import { draft } from "@/lib/chat/events";
import { getConfig, resetConfig } from "@/lib/config";
import type { DbHandle } from "@/lib/db/client";
import { approvals, auditLog } from "@/lib/db/schema";
import { useFreshDb } from "../helpers/db";
import { testPrincipal } from "../helpers/principals";

const alice = testPrincipal("alice");
const bob = testPrincipal("bob");
const CONV = "conv-a";
const SMS = { to: "+14155550100", body: "hello" };
const corr = (c: string) => c.repeat(32);

function request(over: Partial<NewApproval> = {}, args: unknown = SMS): NewApproval {
  return {
    source: "chat",
    tool: "twilio_send_sms",
    serverLabel: getConfig().mcp.serverLabel,
    arguments: JSON.stringify(args),
    argsHash: argumentHash(args),
    risk: "write",
    requester: alice,
    conversationId: CONV,
    runId: "run-1",
    upstreamRequestId: "mcpr_1",
    correlationId: corr("a"),
    ...over,
  };
}

/** Alice asked and approved the SMS in run-1; the ledger gave it back (auth_required). */
async function approvedEarlier(over: Partial<NewApproval> = {}) {
  const row = await createApproval(request(over));
  return decideApproval({ id: row.id, principal: alice, approve: true, correlationId: corr("b") });
}

const retry = (over: Partial<Parameters<typeof createApprovedLike>[1]> = {}) => ({
  requester: alice,
  conversationId: CONV,
  runId: "run-2",
  upstreamRequestId: "mcpr_2",
  tool: "twilio_send_sms",
  serverLabel: getConfig().mcp.serverLabel,
  arguments: JSON.stringify(SMS),
  argsHash: argumentHash(SMS),
  reason: "Approved earlier; retried after connecting Twilio",
  correlationId: corr("c"),
  ...over,
});

const like = (over: Partial<Parameters<typeof findApprovedLike>[0]> = {}) =>
  findApprovedLike({
    tool: "twilio_send_sms",
    serverLabel: getConfig().mcp.serverLabel,
    argsHash: argumentHash(SMS),
    requesterId: alice.userId,
    conversationId: CONV,
    ...over,
  });

describe("a retried call is linked to the earlier, unused approval of the same call", () => {
  let db: { handle: DbHandle; close: () => Promise<void> };
  beforeEach(async () => {
    resetConfig();
    db = await useFreshDb("pglite");
  });
  afterEach(async () => db.close());

  it("records the retry approved by the same decider and uses the earlier approval up", async () => {
    const earlier = await approvedEarlier();
    expect(await like()).toMatchObject({ id: earlier.id });
    const linked = await createApprovedLike(earlier, retry());
    expect(linked).toMatchObject({
      status: "approved",
      requesterId: alice.userId,
      decidedBy: alice.userId,
      reason: "Approved earlier; retried after connecting Twilio",
      runId: "run-2",
      upstreamRequestId: "mcpr_2",
      risk: "write",
      consumedAt: null,
    });
    // The use window is the earlier decision's, not a new one.
    expect(linked!.expiresAt.getTime()).toBe(earlier.expiresAt.getTime());
    const [before] = await db.handle.db
      .select()
      .from(approvals)
      .where(eq(approvals.id, earlier.id));
    expect(before!.consumedAt).toBeInstanceOf(Date);
    expect(before!.consumedCorrelationId).toBe(`linked:${linked!.id}`);

    // Exactly one usable approval: the ledger runs the call once.
    const consumed = await consumeApproval({
      tool: "twilio_send_sms",
      argsHash: argumentHash(SMS),
      requesterId: alice.userId,
      correlationId: corr("d"),
    });
    expect(consumed?.id).toBe(linked!.id);
    expect(
      await consumeApproval({
        tool: "twilio_send_sms",
        argsHash: argumentHash(SMS),
        requesterId: alice.userId,
        correlationId: corr("e"),
      }),
    ).toBeUndefined();

    const audit = await db.handle.db.select().from(auditLog);
    expect(
      audit.filter((a) => a.idempotencyKey === linked!.id).map((a) => [a.outcome, a.userId]),
    ).toEqual([
      ["approval_requested", alice.userId],
      ["approval_approved", alice.userId],
    ]);
    // Replaying the same upstream request returns the same record and links nothing more.
    expect((await createApprovedLike(earlier, retry()))?.id).toBe(linked!.id);
  });

  it("never links across users, tools, arguments, servers or conversations", async () => {
    const earlier = await approvedEarlier();
    expect(await like({ requesterId: bob.userId })).toBeUndefined();
    expect(await like({ conversationId: "conv-b" })).toBeUndefined();
    expect(await like({ tool: "twilio_send_whatsapp" })).toBeUndefined();
    expect(await like({ serverLabel: "someone_else" })).toBeUndefined();
    expect(await like({ argsHash: argumentHash({ ...SMS, body: "hello!" }) })).toBeUndefined();

    expect(await createApprovedLike(earlier, retry({ requester: bob }))).toBeUndefined();
    expect(await createApprovedLike(earlier, retry({ conversationId: "conv-b" }))).toBeUndefined();
    expect(
      await createApprovedLike(earlier, retry({ tool: "twilio_send_whatsapp" })),
    ).toBeUndefined();
    const other = { ...SMS, body: "hello!" };
    expect(
      await createApprovedLike(
        earlier,
        retry({ arguments: JSON.stringify(other), argsHash: argumentHash(other) }),
      ),
    ).toBeUndefined();
    // Nothing was used up by the refusals.
    expect(await like()).toMatchObject({ id: earlier.id });
  });

  it("never links once the earlier approval was consumed, expired or rejected", async () => {
    const consumed = await approvedEarlier();
    await consumeApproval({
      tool: "twilio_send_sms",
      argsHash: argumentHash(SMS),
      requesterId: alice.userId,
      correlationId: corr("f"),
    });
    expect(await like()).toBeUndefined();
    expect(await createApprovedLike(consumed, retry())).toBeUndefined();

    const expired = await approvedEarlier({ runId: "run-3", upstreamRequestId: "mcpr_3" });
    await db.handle.db
      .update(approvals)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(approvals.id, expired.id));
    expect(await like()).toBeUndefined();
    expect(await createApprovedLike(expired, retry({ runId: "run-4" }))).toBeUndefined();

    const row = await createApproval(request({ runId: "run-5", upstreamRequestId: "mcpr_5" }));
    const rejected = await decideApproval({
      id: row.id,
      principal: alice,
      approve: false,
      correlationId: corr("g"),
    });
    expect(await like()).toBeUndefined();
    expect(await createApprovedLike(rejected, retry({ runId: "run-6" }))).toBeUndefined();
  });

  it("of two concurrent retries only one is linked", async () => {
    const earlier = await approvedEarlier();
    const results = await Promise.all([
      createApprovedLike(earlier, retry({ runId: "run-x", upstreamRequestId: "mcpr_x" })),
      createApprovedLike(earlier, retry({ runId: "run-y", upstreamRequestId: "mcpr_y" })),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("recordApprovalRequests emits the request already decided for the requester, and asks anyone else", async () => {
    const earlier = await approvedEarlier();
    const requested = draft("approval.requested", {
      approvalRequestId: "mcpr_9",
      name: "twilio_send_sms",
      serverLabel: getConfig().mcp.serverLabel,
      // Key order differs: the canonical arguments are the same call.
      arguments: JSON.stringify({ body: "hello", to: "+14155550100" }),
    });

    const asBob = await recordApprovalRequests([requested], {
      conversationId: CONV,
      runId: "run-b",
      correlationId: corr("h"),
      requester: bob,
    });
    expect(asBob.map((d) => d.type)).toEqual(["approval.requested"]);
    const bobRow = await db.handle.db.select().from(approvals).where(eq(approvals.runId, "run-b"));
    expect(bobRow[0]?.status).toBe("pending");

    const asAlice = await recordApprovalRequests([requested], {
      conversationId: CONV,
      runId: "run-2",
      correlationId: corr("i"),
      requester: alice,
    });
    expect(asAlice).toEqual([
      {
        type: "approval.requested",
        data: expect.objectContaining({ approvalRequestId: "mcpr_9", risk: "write" }),
      },
      {
        type: "approval.decided",
        data: {
          approvalRequestId: "mcpr_9",
          approve: true,
          reason: "Approved earlier; retried",
          decidedBy: alice.name,
        },
      },
    ]);
    const linkedId = (asAlice[0]!.data as { approvalId: string }).approvalId;
    expect(linkedId).not.toBe(earlier.id);
    const [linked] = await db.handle.db.select().from(approvals).where(eq(approvals.id, linkedId));
    expect(linked).toMatchObject({ status: "approved", runId: "run-2" });

    // Another retry before the call ran takes the decision over again; still one usable approval.
    const again = await recordApprovalRequests(
      [
        {
          ...requested,
          data: { ...requested.data, approvalRequestId: "mcpr_10" },
        } as typeof requested,
      ],
      { conversationId: CONV, runId: "run-3", correlationId: corr("j"), requester: alice },
    );
    expect(again.map((d) => d.type)).toEqual(["approval.requested", "approval.decided"]);
    const usable = await db.handle.db
      .select()
      .from(approvals)
      .where(eq(approvals.status, "approved"));
    expect(usable.filter((r) => r.consumedAt === null)).toHaveLength(1);

    // Once the call ran (consumed), a later identical request is asked again.
    await consumeApproval({
      tool: "twilio_send_sms",
      argsHash: argumentHash(SMS),
      requesterId: alice.userId,
      correlationId: corr("k"),
    });
    const later = await recordApprovalRequests(
      [
        {
          ...requested,
          data: { ...requested.data, approvalRequestId: "mcpr_11" },
        } as typeof requested,
      ],
      { conversationId: CONV, runId: "run-4", correlationId: corr("l"), requester: alice },
    );
    expect(later.map((d) => d.type)).toEqual(["approval.requested"]);
  });
});

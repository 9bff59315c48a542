import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { argumentHash } from "@/lib/audit";
import { readFeed } from "@/lib/approvals/feed";
import {
  consumeApproval,
  createApproval,
  decideApproval,
  expireDue,
  listApprovals,
  type NewApproval,
} from "@/lib/approvals/store";
import { resetConfig } from "@/lib/config";
import { approvals, auditLog } from "@/lib/db/schema";
import type { DbHandle } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { useFreshDb, type DbKind } from "../helpers/db";
import { testPrincipal } from "../helpers/principals";

const alice = testPrincipal("alice");
const bob = testPrincipal("bob");
const carol = testPrincipal("carol", ["Approver"]);
const dave = testPrincipal("dave", ["Approver"]);

function request(over: Partial<NewApproval> = {}): NewApproval {
  const args = { task_id: "t1" };
  return {
    source: "chat",
    tool: "planner_delete_task",
    serverLabel: "foundry_agent_chat",
    arguments: JSON.stringify(args),
    argsHash: argumentHash(args),
    risk: "privileged",
    requester: alice,
    correlationId: "c".repeat(32),
    ...over,
  };
}

async function statusOf(err: Promise<unknown>): Promise<number> {
  try {
    await err;
    return 200;
  } catch (e) {
    if (e instanceof AppError) return e.status;
    throw e;
  }
}

for (const kind of ["pglite", "postgres"] as DbKind[]) {
  describe(`approval records on ${kind}`, () => {
    let db: { handle: DbHandle; close: () => Promise<void> };
    beforeEach(async () => {
      resetConfig();
      db = await useFreshDb(kind);
    });
    afterEach(async () => db.close());

    it("is decided exactly once under concurrent clicks by several approvers", async () => {
      const row = await createApproval(request());
      const attempts = [carol, dave, carol, dave, carol].map((p, i) =>
        statusOf(
          decideApproval({
            id: row.id,
            principal: p,
            approve: i % 2 === 0,
            correlationId: "d".repeat(32),
          }),
        ),
      );
      const statuses = await Promise.all(attempts);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(4);
      const feed = await readFeed(db.handle.db, 0, 10);
      expect(feed.map((f) => f.type)).toEqual(["approval.requested", "approval.decided"]);
      const audit = await db.handle.db.select().from(auditLog);
      expect(audit.map((a) => a.outcome).sort()).toEqual(
        expect.arrayContaining(["approval_requested"]),
      );
      expect(audit.filter((a) => /approval_(approved|rejected)/.test(a.outcome))).toHaveLength(1);
    });

    it("refuses the requester's own privileged decision and hides it from other users", async () => {
      const row = await createApproval(request());
      const args = { id: row.id, approve: true, correlationId: "d".repeat(32) };
      expect(await statusOf(decideApproval({ ...args, principal: alice }))).toBe(403);
      expect(await statusOf(decideApproval({ ...args, principal: bob }))).toBe(404);
      expect(await statusOf(decideApproval({ ...args, principal: carol }))).toBe(200);
    });

    it("lists the inbox of deciders and the requests of requesters", async () => {
      const priv = await createApproval(request());
      const write = await createApproval(
        request({ tool: "planner_create_task", risk: "write", requester: bob }),
      );
      const ids = async (p = carol, scope: "mine" | "inbox" = "inbox") =>
        (await listApprovals({ principal: p, scope, status: "pending", limit: 10 })).map(
          (r) => r.id,
        );
      expect(await ids(carol)).toEqual([priv.id]);
      expect(await ids(bob)).toEqual([write.id]);
      expect(await ids(alice)).toEqual([]);
      expect(await ids(alice, "mine")).toEqual([priv.id]);
    });

    it("an approval is consumed once, for the same tool, arguments and user", async () => {
      const row = await createApproval(request({ risk: "write", tool: "planner_create_task" }));
      await decideApproval({
        id: row.id,
        principal: alice,
        approve: true,
        correlationId: "d".repeat(32),
      });
      const match = {
        tool: "planner_create_task",
        argsHash: row.argsHash,
        correlationId: "e".repeat(32),
      };
      expect(await consumeApproval({ ...match, requesterId: bob.userId })).toBeUndefined();
      expect(
        await consumeApproval({
          ...match,
          argsHash: argumentHash({ task_id: "t2" }),
          requesterId: alice.userId,
        }),
      ).toBeUndefined();
      const both = await Promise.all([
        consumeApproval({ ...match, requesterId: alice.userId }),
        consumeApproval({ ...match, requesterId: alice.userId }),
      ]);
      expect(both.filter(Boolean)).toHaveLength(1);
      expect(await consumeApproval({ ...match, requesterId: alice.userId })).toBeUndefined();
    });

    it("expires undecided requests once, and a late decision is a 409", async () => {
      const row = await createApproval(request());
      await db.handle.db
        .update(approvals)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where(eq(approvals.id, row.id));
      const [first, second] = await Promise.all([expireDue(), expireDue()]);
      expect([...first, ...second].map((r) => r.id)).toEqual([row.id]);
      expect(
        await statusOf(
          decideApproval({
            id: row.id,
            principal: carol,
            approve: true,
            correlationId: "d".repeat(32),
          }),
        ),
      ).toBe(409);
      const feed = await readFeed(db.handle.db, 0, 10);
      expect(feed.map((f) => f.type)).toEqual(["approval.requested", "approval.expired"]);
    });
  });
}

import { describe, expect, it } from "vitest";
import { canSee, decisionVerdict, isDecider, requiredRoleFor } from "@/lib/approvals/rules";
import { testPrincipal } from "../helpers/principals";

const alice = testPrincipal("alice");
const bob = testPrincipal("bob");
const carol = testPrincipal("carol", ["Approver"]);
const approverAlice = testPrincipal("alice", ["Approver"]);
const now = new Date("2026-11-30T10:00:00Z");
const later = new Date("2026-11-30T11:00:00Z");

const write = {
  requesterId: alice.userId,
  requiredRole: null,
  status: "pending" as const,
  expiresAt: later,
};
const privileged = { ...write, requiredRole: requiredRoleFor("privileged") };

describe("approval rules", () => {
  it("privileged calls need the Approver role; write calls none", () => {
    expect(requiredRoleFor("privileged")).toBe("Approver");
    expect(requiredRoleFor("write")).toBeNull();
    expect(requiredRoleFor("read")).toBeNull();
  });

  it("the requester decides their own write call; nobody else sees it", () => {
    expect(decisionVerdict(alice, write, now)).toEqual({ ok: true });
    expect(decisionVerdict(bob, write, now)).toMatchObject({ ok: false, status: 404 });
    // An Approver has no say over someone's write call and does not even see it.
    expect(canSee(carol, write)).toBe(false);
  });

  it("four eyes: the requester of a privileged call may not approve it, even as an Approver", () => {
    expect(decisionVerdict(alice, privileged, now)).toMatchObject({ ok: false, status: 403 });
    const own = { ...privileged, requesterId: approverAlice.userId };
    expect(decisionVerdict(approverAlice, own, now)).toMatchObject({ ok: false, status: 403 });
    expect(decisionVerdict(carol, privileged, now)).toEqual({ ok: true });
    expect(decisionVerdict(bob, privileged, now)).toMatchObject({ ok: false, status: 404 });
    expect(isDecider(carol, privileged)).toBe(true);
  });

  it("a decided or expired request answers 409 to its deciders", () => {
    expect(decisionVerdict(carol, { ...privileged, status: "approved" }, now)).toMatchObject({
      status: 409,
    });
    expect(decisionVerdict(carol, { ...privileged, expiresAt: now }, now)).toMatchObject({
      status: 409,
    });
  });

  it("applications never decide", () => {
    const app = { ...testPrincipal("app", ["Approver"]), kind: "app" as const };
    expect(decisionVerdict(app, privileged, now)).toMatchObject({ ok: false, status: 404 });
  });
});

import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ROLES, type Principal } from "@/lib/identity/principal";
import { builtinTools } from "@/mcp-server/catalog";
import type { ToolDefinition } from "@/mcp-server/catalog/types";
import {
  APP_ROLES,
  POLICY,
  allowlistedTools,
  approvalFor,
  approverRolesFor,
  decide,
  effectiveRisk,
  globMatch,
  visibleTools,
  type Policy,
} from "@/mcp-server/policy";

function person(username: string, roles: string[] = []): Principal {
  return {
    userId: `oid-${username}`,
    tenantId: "t",
    username,
    name: username,
    roles,
    scopes: ["access_as_user"],
    kind: "user",
    token: "",
  };
}
function app(roles: string[] = []): Principal {
  return {
    userId: "oid-app",
    tenantId: "t",
    username: "app",
    name: "app",
    roles,
    scopes: [],
    kind: "app",
    token: "",
  };
}
function tool(name: string, risk: ToolDefinition["risk"], extra: object = {}): ToolDefinition {
  return {
    name,
    title: name,
    description: name,
    risk,
    provider: "internal",
    annotations: {
      readOnlyHint: risk === "read",
      destructiveHint: false,
      idempotentHint: risk === "read",
      openWorldHint: false,
    },
    inputSchema: z.object({}),
    run: async () => ({}),
    ...extra,
  };
}

const alice = person("alice");
const carol = person("carol", [ROLES.approver]);
const dana = person("dana", [ROLES.admin]);

describe("risk → approval", () => {
  it("read never, write always, privileged always and by an Approver", () => {
    expect(approvalFor(tool("gmail_list_messages", "read"))).toBe("never");
    expect(approvalFor(tool("twilio_send_sms", "write"))).toBe("always");
    expect(approvalFor(tool("planner_delete_task", "privileged"))).toBe("always");
    expect(approverRolesFor(tool("planner_delete_task", "privileged"))).toEqual([ROLES.approver]);
    expect(approverRolesFor(tool("twilio_send_sms", "write"))).toEqual([]);
  });

  it("raises OpenAPI deletes, cancellations and payment changes to privileged, never lowers a risk", () => {
    const op = (name: string, method: string, risk: ToolDefinition["risk"]) =>
      tool(name, risk, { openapi: { method } });
    expect(effectiveRisk(op("openapi_crm_remove_contact", "delete", "write"))).toBe("privileged");
    expect(effectiveRisk(op("openapi_dealer_create_payment", "post", "write"))).toBe("privileged");
    expect(effectiveRisk(op("openapi_dealer_cancel_booking", "post", "write"))).toBe("privileged");
    expect(effectiveRisk(op("openapi_dealer_get_payment", "get", "read"))).toBe("read");
    expect(effectiveRisk(op("openapi_dealer_create_enquiry", "post", "write"))).toBe("write");
    const lowering: Policy = {
      ...POLICY,
      overrides: [{ match: "planner_delete_task", risk: "read", why: "test" }],
    };
    expect(effectiveRisk(tool("planner_delete_task", "privileged"), lowering)).toBe("privileged");
  });
});

describe("decide", () => {
  it("lets every signed-in user call allowlisted tools of any risk (privileged ones then need an Approver)", () => {
    for (const p of [alice, carol, dana]) {
      for (const risk of ["read", "write", "privileged"] as const)
        expect(decide(p, tool("planner_x", risk))).toEqual({ allow: true });
    }
  });

  it("refuses tools that are not allowlisted, to everyone", () => {
    const d = decide(dana, tool("shell_exec", "read"));
    expect(d).toEqual({ allow: false, reason: expect.stringContaining("not offered") });
  });

  it("lets an application call only what its app roles allow, and never privileged tools", () => {
    expect(decide(app(), tool("tavily_search", "read")).allow).toBe(false);
    expect(decide(app([APP_ROLES.read]), tool("tavily_search", "read")).allow).toBe(true);
    expect(decide(app([APP_ROLES.read]), tool("twilio_send_sms", "write")).allow).toBe(false);
    expect(decide(app([APP_ROLES.write]), tool("twilio_send_sms", "write")).allow).toBe(true);
    const privileged = decide(
      app([APP_ROLES.read, APP_ROLES.write, ROLES.approver, ROLES.admin]),
      tool("planner_delete_task", "privileged"),
    );
    expect(privileged).toEqual({ allow: false, reason: expect.stringContaining("signed-in user") });
  });

  it("applies per-tool caller roles from overrides", () => {
    const policy: Policy = {
      ...POLICY,
      overrides: [
        ...POLICY.overrides,
        { match: "openapi_*payment*", users: [ROLES.approver, ROLES.admin], why: "test" },
      ],
    };
    const pay = tool("openapi_dealer_create_payment", "privileged", {
      openapi: { method: "post" },
    });
    expect(decide(alice, pay, policy)).toEqual({
      allow: false,
      reason: expect.stringContaining("Approver, Admin"),
    });
    expect(decide(carol, pay, policy).allow).toBe(true);
    expect(decide(dana, pay, policy).allow).toBe(true);
  });
});

describe("on the real catalog", () => {
  it("every user sees every allowlisted tool; a read-only app sees only reads", () => {
    const allowlisted = allowlistedTools().map((t) => t.name);
    expect(allowlisted.length).toBeGreaterThan(10);
    for (const p of [alice, carol, dana])
      expect(visibleTools(p).map((t) => t.name)).toEqual(allowlisted);
    const reads = visibleTools(app([APP_ROLES.read]));
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((t) => effectiveRisk(t) === "read")).toBe(true);
    expect(
      visibleTools(app([APP_ROLES.write])).some((t) => effectiveRisk(t) === "privileged"),
    ).toBe(false);
  });

  it("keeps every catalog tool's declared risk or raises it", () => {
    const order = ["read", "write", "privileged"];
    for (const t of builtinTools)
      expect(order.indexOf(effectiveRisk(t))).toBeGreaterThanOrEqual(order.indexOf(t.risk));
  });

  it("globs match whole names", () => {
    expect(globMatch("gmail_*", "gmail_send_email")).toBe(true);
    expect(globMatch("gmail_*", "xgmail_send")).toBe(false);
    expect(globMatch("a.b", "axb")).toBe(false);
  });
});

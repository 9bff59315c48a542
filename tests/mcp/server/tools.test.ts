import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { argumentHash, verifyAuditChain } from "@/lib/audit";
import { ROLES } from "@/lib/identity/principal";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { findDemoUser } from "@/lib/identity/local-idp/users";
import { recordConnection } from "@/mcp-server/connections/store";
import { createApiKey } from "@/mcp-server/keys/store";
import {
  APP_ROLES,
  POLICY,
  allowlistedTools,
  effectiveRisk,
  type Policy,
} from "@/mcp-server/policy";
import {
  auditRows,
  bearer,
  errorOf,
  mcpClient,
  outboxCount,
  startMcpServer,
  type McpTestServer,
} from "./harness";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const alice = findDemoUser("alice")!;

async function userClient(
  s: McpTestServer,
  username: string,
  extra: Record<string, string> = {},
): Promise<Client> {
  return mcpClient(s.mcpUrl, { ...bearer(await mintLocalAccessToken({ username })), ...extra });
}

async function names(client: Client): Promise<string[]> {
  return (await client.listTools()).tools.map((t) => t.name);
}

describe("with the product policy", () => {
  let s: McpTestServer;
  beforeAll(async () => {
    s = await startMcpServer();
  });
  afterAll(async () => s?.close());

  describe("tools/list per caller", () => {
    it("shows users every allowlisted tool, with schemas, annotations, risk and approval", async () => {
      const expected = allowlistedTools().map((t) => t.name);
      for (const user of ["alice", "carol", "dana"]) {
        const client = await userClient(s, user);
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name)).toEqual(expected);
        const del = tools.find((t) => t.name === "planner_delete_task")!;
        expect(del._meta).toMatchObject({
          "io.foundry-agent-chat/risk": "privileged",
          "io.foundry-agent-chat/approval": "always",
          "io.foundry-agent-chat/approver-roles": [ROLES.approver],
        });
        expect(del.annotations).toMatchObject({ destructiveHint: true, readOnlyHint: false });
        expect(del.inputSchema.type).toBe("object");
        await client.close();
      }
    });

    it("shows a read-only access key only reads, and a write key no privileged tool", async () => {
      const read = await createApiKey({ name: "reader", kind: "app", roles: [APP_ROLES.read] });
      const write = await createApiKey({ name: "writer", kind: "app", roles: [APP_ROLES.write] });
      const none = await createApiKey({ name: "no-roles", kind: "app", roles: [] });
      const byRisk = new Map(allowlistedTools().map((t) => [t.name, effectiveRisk(t)]));

      const reader = await mcpClient(s.mcpUrl, { "x-api-key": read.key });
      const readNames = await names(reader);
      expect(readNames.length).toBeGreaterThan(3);
      expect(readNames.map((n) => byRisk.get(n))).toEqual(readNames.map(() => "read"));
      expect(readNames).toContain("tavily_search");
      await reader.close();

      const writer = await mcpClient(s.mcpUrl, { "x-api-key": write.key });
      const writeNames = await names(writer);
      expect(writeNames).toContain("twilio_send_sms");
      expect(writeNames).not.toContain("planner_delete_task");
      expect(writeNames.some((n) => byRisk.get(n) === "privileged")).toBe(false);
      await writer.close();

      const nobody = await mcpClient(s.mcpUrl, { "x-api-key": none.key });
      expect(await names(nobody)).toEqual([]);
      await nobody.close();
    });
  });

  describe("tools/call", () => {
    it("answers an unknown tool with a JSON-RPC invalid-params error", async () => {
      const client = await userClient(s, "alice");
      const err = await client
        .callTool({ name: "no_such_tool", arguments: {} })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(McpError);
      expect((err as McpError).code).toBe(ErrorCode.InvalidParams);
      expect((err as McpError).message).toContain("Unknown tool: no_such_tool");
      await client.close();
    });

    it("refuses invalid arguments with invalid_arguments, runs nothing, and audits the refusal", async () => {
      await recordConnection(alice.oid, "twilio", alice.preferredUsername);
      const client = await userClient(s, "alice", {
        traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
      });
      const before = await outboxCount(s.db, alice.oid);
      const args = { to: "07911 123456", body: "" };
      const err = errorOf(
        (await client.callTool({ name: "twilio_send_sms", arguments: args })) as never,
      );
      expect(err).toMatchObject({
        code: "invalid_arguments",
        correlation_id: TRACE_ID,
        retriable: false,
      });
      expect(err.message).toMatch(/to:/);
      expect(err.message).toMatch(/body:/);
      expect(await outboxCount(s.db, alice.oid)).toBe(before);
      const row = (await auditRows(s.db)).at(-1)!;
      expect(row).toMatchObject({
        tool: "twilio_send_sms",
        outcome: "invalid_arguments",
        userId: alice.oid,
        correlationId: TRACE_ID,
        argsHash: argumentHash(args),
      });
      await client.close();
    });

    it("refuses a tool the caller may not use with forbidden", async () => {
      const { key } = await createApiKey({
        name: "reader-2",
        kind: "app",
        roles: [APP_ROLES.read],
      });
      const client = await mcpClient(s.mcpUrl, { "x-api-key": key });
      const err = errorOf(
        (await client.callTool({
          name: "twilio_send_sms",
          arguments: { to: "+447911123456", body: "hi" },
        })) as never,
      );
      expect(err).toMatchObject({ code: "forbidden", retriable: false });
      expect(err.message).toContain(APP_ROLES.write);
      expect((await auditRows(s.db)).at(-1)).toMatchObject({
        tool: "twilio_send_sms",
        outcome: "forbidden",
        principalKind: "app",
      });
      await client.close();
    });

    it("returns structuredContent matching the output schema on success", async () => {
      const client = await userClient(s, "alice");
      await client.listTools(); // the SDK client validates structuredContent against the listed outputSchema
      const result = await client.callTool({
        name: "tavily_search",
        arguments: { query: "electric car test drive", max_results: 2 },
      });
      expect(result.isError).toBeFalsy();
      const structured = result.structuredContent as { query: string; results: unknown[] };
      expect(structured.query).toBe("electric car test drive");
      expect(Array.isArray(structured.results)).toBe(true);
      expect(JSON.parse((result.content as { text: string }[])[0]!.text)).toEqual(structured);
      await client.close();
    });

    it("reports a provider that is not connected as auth_required with a connect URL", async () => {
      const client = await userClient(s, "bob");
      const err = errorOf(
        (await client.callTool({ name: "gmail_list_messages", arguments: {} })) as never,
      );
      expect(err).toMatchObject({ code: "auth_required", retriable: true });
      // The connect token travels in the fragment, never in a query string that logs keep.
      expect(err.connect_url).toMatch(new RegExp(`^${s.url}/connect/gmail#token=`));
      await client.close();
    });

    it("keeps the audit chain intact across all these calls", async () => {
      const rows = await auditRows(s.db);
      expect(rows.length).toBeGreaterThanOrEqual(4);
      expect(await verifyAuditChain()).toMatchObject({ ok: true, rows: rows.length });
    });
  });

  describe("GET /api/tools", () => {
    it("serves the caller's catalog with risk, approval and JSON Schemas", async () => {
      const res = await fetch(`${s.url}/api/tools`, {
        headers: bearer(await mintLocalAccessToken({ username: "alice" })),
      });
      expect(res.status).toBe(200);
      const { items } = (await res.json()) as { items: Record<string, unknown>[] };
      expect(items.map((i) => i.name)).toEqual(allowlistedTools().map((t) => t.name));
      expect(items.find((i) => i.name === "twilio_send_sms")).toMatchObject({
        title: expect.any(String),
        description: expect.any(String),
        risk: "write",
        approval: "always",
        annotations: { readOnlyHint: false },
        inputSchema: { type: "object", required: expect.arrayContaining(["to", "body"]) },
      });
    });

    it("answers without a token with problem+json 401", async () => {
      const res = await fetch(`${s.url}/api/tools`);
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    });
  });
});

describe("with a policy that restricts payments to Approvers and Admins", () => {
  const restricted: Policy = {
    ...POLICY,
    overrides: [
      ...POLICY.overrides,
      { match: "openapi_*_create_payment", users: [ROLES.approver, ROLES.admin], why: "test" },
    ],
  };
  let s: McpTestServer;
  beforeAll(async () => {
    s = await startMcpServer({ handler: { policy: restricted } });
  });
  afterAll(async () => s?.close());

  it("hides the tool from alice and refuses her call, shows it to carol and dana", async () => {
    const a = await userClient(s, "alice");
    expect(await names(a)).not.toContain("openapi_dealer_create_payment");
    const err = errorOf(
      (await a.callTool({ name: "openapi_dealer_create_payment", arguments: {} })) as never,
    );
    expect(err.code).toBe("forbidden");
    await a.close();
    for (const user of ["carol", "dana"]) {
      const c = await userClient(s, user);
      expect(await names(c)).toContain("openapi_dealer_create_payment");
      await c.close();
    }
  });
});

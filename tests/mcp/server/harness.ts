import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { count, eq } from "drizzle-orm";
import { createApproval, decideApproval } from "@/lib/approvals/store";
import { argumentHash } from "@/lib/audit";
import { getConfig, resetConfig } from "@/lib/config";
import { openDb, setDbHandle, type DbHandle } from "@/lib/db/client";
import { auditLog, sandboxOutbox, type ApprovalRow } from "@/lib/db/schema";
import { resetRecentUsers } from "@/lib/identity/authenticate";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { ROLES, type Principal } from "@/lib/identity/principal";
import { verifyAccessToken } from "@/lib/identity/verify";
import { resetMcpCallLimiter } from "@/lib/limits/mcp";
import { closeLimitsRedis } from "@/lib/limits/redis";
import { builtinTools } from "@/mcp-server/catalog";
import type { ToolDefinition } from "@/mcp-server/catalog/types";
import { createMcpHandler, type McpHandlerOptions } from "@/mcp-server/http";
import { effectiveRisk, POLICY, type Policy } from "@/mcp-server/policy";
import { resetBreakers } from "@/mcp-server/resilience";
import { serve, type TestServer } from "../../helpers/serve";
import { createScratchDatabase } from "../../helpers/postgres";

export interface McpTestServer {
  /** Base URL (APP_URL); the MCP endpoint is `${url}/api/mcp`. */
  url: string;
  mcpUrl: string;
  db: DbHandle;
  close(): Promise<void>;
}

/**
 * The real /api/mcp handler (plus /api/tools and the PRM document) on a loopback port, with the
 * embedded defaults: local IdP, in-memory PGlite (or a scratch Postgres), in-process limits.
 */
export async function startMcpServer(
  opts: {
    env?: Record<string, string>;
    handler?: McpHandlerOptions;
    database?: "pglite" | "postgres";
  } = {},
): Promise<McpTestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fac-mcp-"));
  const mcp = createMcpHandler(opts.handler);
  let server: TestServer | undefined = await serve(async (req) => {
    const { pathname } = new URL(req.url);
    if (pathname === "/api/mcp") return mcp(req);
    if (pathname === "/api/tools") return (await import("@/app/api/tools/route")).GET(req);
    if (pathname === "/.well-known/oauth-protected-resource/api/mcp") {
      return (await import("@/app/.well-known/oauth-protected-resource/api/mcp/route")).GET();
    }
    return new Response("not found", { status: 404 });
  });
  Object.assign(process.env, {
    APP_URL: server.url,
    DATA_DIR: dataDir,
    CONNECT_TOKEN_SECRET: "tests-connect-token-secret-0123456789abcdef",
    ...opts.env,
  });
  resetConfig();
  resetRecentUsers();
  resetMcpCallLimiter();
  resetBreakers();
  const scratch = opts.database === "postgres" ? await createScratchDatabase() : undefined;
  const db = await openDb(
    scratch ? { kind: "postgres", url: scratch.url } : { kind: "pglite", dir: null },
  );
  setDbHandle(Promise.resolve(db));
  return {
    url: server.url,
    mcpUrl: `${server.url}/api/mcp`,
    db,
    close: async () => {
      await server?.close();
      server = undefined;
      setDbHandle(undefined);
      await db.close();
      await scratch?.drop();
      await closeLimitsRedis();
      for (const k of ["APP_URL", "DATA_DIR", ...Object.keys(opts.env ?? {})])
        delete process.env[k];
      resetConfig();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An MCP SDK client over Streamable HTTP with the given headers on every request. */
export async function mcpClient(url: string, headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: "fac-tests", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }),
  );
  return client;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** The `{ code, message, correlation_id, … }` of an isError result; fails when the call succeeded. */
export function errorOf(result: CallToolResult): {
  code: string;
  message: string;
  correlation_id: string;
  retriable: boolean;
  retry_after_seconds?: number;
  connect_url?: string;
  provider?: string;
  approval_id?: string;
  approval_url?: string;
} {
  if (!result.isError)
    throw new Error(`Expected an isError result, got ${JSON.stringify(result).slice(0, 300)}`);
  const first = result.content[0];
  if (first?.type !== "text") throw new Error("isError result without text content");
  return JSON.parse(first.text);
}

export async function outboxCount(db: DbHandle, userId: string): Promise<number> {
  const [row] = await db.db
    .select({ n: count() })
    .from(sandboxOutbox)
    .where(eq(sandboxOutbox.userId, userId));
  return row?.n ?? 0;
}

export async function auditRows(db: DbHandle) {
  return db.db.select().from(auditLog).orderBy(auditLog.id);
}

/** An Approver who is no demo user, for privileged calls that carol herself asks for. */
const SECOND_APPROVER: Principal = {
  userId: "0e0e0e0e-5d7f-4b1e-9f55-e0e0e0000005",
  tenantId: "tests",
  username: "erin@contoso.local",
  name: "Erin Evans",
  roles: [ROLES.approver],
  scopes: ["access_as_user"],
  kind: "user",
  token: "",
};

/** What /api/mcp makes of a demo user's token (the real verification path, roles included). */
export async function demoPrincipal(username: string): Promise<Principal> {
  return verifyAccessToken(await mintLocalAccessToken({ username }));
}

/**
 * Pre-approves one call, as a person would in the app, so that a test about something else can
 * pass the approval ledger: records the approval of `tool` with exactly these `args` (hashed as
 * the client will send them) for `requester`, and approves it — by the requester for write tools,
 * by an Approver (carol, or `approver`) for privileged ones. Each approval is good for one call;
 * `times` records several.
 */
export async function approveCall(
  requester: string | Principal,
  tool: string,
  args: Record<string, unknown>,
  opts: {
    times?: number;
    approver?: string | Principal;
    tools?: readonly ToolDefinition[];
    policy?: Policy;
  } = {},
): Promise<ApprovalRow[]> {
  const who = typeof requester === "string" ? await demoPrincipal(requester) : requester;
  const definition = (opts.tools ?? builtinTools).find((t) => t.name === tool);
  if (!definition) throw new Error(`approveCall: no tool ${tool}`);
  const risk = effectiveRisk(definition, opts.policy ?? POLICY);
  if (risk === "read") throw new Error(`approveCall: ${tool} is a read tool; it needs no approval`);
  const approver =
    risk !== "privileged"
      ? who
      : typeof opts.approver === "object"
        ? opts.approver
        : opts.approver
          ? await demoPrincipal(opts.approver)
          : who.roles.includes(ROLES.approver)
            ? SECOND_APPROVER // carol cannot approve her own privileged call (four-eyes)
            : await demoPrincipal("carol");
  const rows: ApprovalRow[] = [];
  for (let i = 0; i < (opts.times ?? 1); i++) {
    const row = await createApproval({
      source: "mcp",
      tool,
      serverLabel: getConfig().mcp.serverLabel,
      arguments: JSON.stringify(args),
      argsHash: argumentHash(args),
      risk,
      requester: who,
      context: "Pre-approved by the test harness",
      correlationId: "0".repeat(32),
    });
    rows.push(
      await decideApproval({
        id: row.id,
        principal: approver,
        approve: true,
        correlationId: "0".repeat(32),
      }),
    );
  }
  return rows;
}

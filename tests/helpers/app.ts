import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { resetConfig } from "@/lib/config";
import { openDb, setDbHandle, type DbHandle } from "@/lib/db/client";
import { drainRuns } from "@/lib/chat/run-driver";
import { resetRecentUsers } from "@/lib/identity/authenticate";
import { resetCredentialCaches } from "@/lib/agents/credentials";
import { stopApprovalSweep } from "@/lib/approvals/expiry";
import { serve, type TestServer } from "./serve";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- route modules have differently typed params
type Handler = (req: Request, ctx: { params: Promise<any> }) => Promise<Response>;
type RouteModule = Partial<Record<"GET" | "POST" | "PATCH" | "DELETE", Handler>>;

/** The app's route files, as Next would mount them (only those the HTTP tests need). */
const table: [string, () => Promise<RouteModule>][] = [
  ["/api/health", () => import("@/app/api/health/route")],
  ["/api/ready", () => import("@/app/api/ready/route")],
  ["/api/metrics", () => import("@/app/api/metrics/route")],
  ["/api/auth/config", () => import("@/app/api/auth/config/route")],
  ["/api/agents", () => import("@/app/api/agents/route")],
  ["/api/tools", () => import("@/app/api/tools/route")],
  ["/api/conversations", () => import("@/app/api/conversations/route")],
  ["/api/conversations/:id", () => import("@/app/api/conversations/[id]/route")],
  ["/api/conversations/:id/messages", () => import("@/app/api/conversations/[id]/messages/route")],
  ["/api/conversations/:id/events", () => import("@/app/api/conversations/[id]/events/route")],
  ["/api/conversations/:id/cancel", () => import("@/app/api/conversations/[id]/cancel/route")],
  [
    "/api/conversations/:id/consents/:consentId/continue",
    () => import("@/app/api/conversations/[id]/consents/[consentId]/continue/route"),
  ],
  ["/api/approvals", () => import("@/app/api/approvals/route")],
  ["/api/approvals/events", () => import("@/app/api/approvals/events/route")],
  ["/api/approvals/:id", () => import("@/app/api/approvals/[id]/route")],
  ["/api/approvals/:id/decision", () => import("@/app/api/approvals/[id]/decision/route")],
  ["/api/mcp", () => import("@/app/api/mcp/route")],
  ["/api/connections", () => import("@/app/api/connections/route")],
  ["/api/connections/:provider", () => import("@/app/api/connections/[provider]/route")],
  ["/api/connections/consents/:name", () => import("@/app/api/connections/consents/[name]/route")],
  [
    "/api/connections/:provider/preview",
    () => import("@/app/api/connections/[provider]/preview/route"),
  ],
  [
    "/api/connections/:provider/callback",
    () => import("@/app/api/connections/[provider]/callback/route"),
  ],
  [
    "/api/conversations/:id/retry-tool",
    () => import("@/app/api/conversations/[id]/retry-tool/route"),
  ],
  ["/api/admin/keys", () => import("@/app/api/admin/keys/route")],
  ["/api/admin/keys/:id", () => import("@/app/api/admin/keys/[id]/route")],
  ["/api/admin/tools", () => import("@/app/api/admin/tools/route")],
  ["/api/admin/usage", () => import("@/app/api/admin/usage/route")],
  ["/api/admin/audit", () => import("@/app/api/admin/audit/route")],
  ["/api/admin/audit/verify", () => import("@/app/api/admin/audit/verify/route")],
  ["/api/admin/audit/export", () => import("@/app/api/admin/audit/export/route")],
  ["/api/admin/audit/:id", () => import("@/app/api/admin/audit/[id]/route")],
  ["/local-foundry/*path", () => import("@/app/local-foundry/[...path]/route")],
];

function match(pattern: string, pathname: string): Record<string, string | string[]> | undefined {
  const p = pattern.split("/");
  const s = pathname.split("/");
  const params: Record<string, string | string[]> = {};
  for (let i = 0; i < p.length; i++) {
    const part = p[i]!;
    if (part.startsWith("*")) {
      params[part.slice(1)] = s.slice(i).map(decodeURIComponent);
      return s.length > i ? params : undefined;
    }
    if (s[i] === undefined) return undefined;
    if (part.startsWith(":")) params[part.slice(1)] = decodeURIComponent(s[i]!);
    else if (part !== s[i]) return undefined;
  }
  return p.length === s.length ? params : undefined;
}

/** Dispatches a request to the app's route module for its path, as Next's router would. */
export async function appHandler(req: Request): Promise<Response> {
  const { pathname } = new URL(req.url);
  for (const [pattern, load] of table) {
    const params = match(pattern, pathname);
    if (!params) continue;
    const mod = await load();
    const fn = mod[req.method as keyof RouteModule];
    if (!fn) return new Response(null, { status: 405 });
    return fn(req, { params: Promise.resolve(params) });
  }
  return new Response("not found", { status: 404 });
}

export interface TestApp {
  url: string;
  db: DbHandle;
  close(): Promise<void>;
}

/**
 * The real route handlers on a loopback port, with the embedded defaults (local IdP, local agent
 * service over HTTP through @azure/ai-projects, in-memory PGlite unless `DATABASE_URL` is given) —
 * Next's router aside.
 */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fac-test-"));
  let server: TestServer | undefined;
  server = await serve(appHandler);
  Object.assign(process.env, {
    APP_URL: server.url,
    DATA_DIR: dataDir,
    LOCAL_MODEL_PACING_MS: "0",
    ...env,
  });
  resetConfig();
  // A fresh database knows no users yet, whatever an earlier app in this process remembered.
  resetRecentUsers();
  resetCredentialCaches();
  // DATABASE_URL (benchmarks against a scratch PostgreSQL database), else an in-memory PGlite.
  const db = await openDb(
    env.DATABASE_URL ? { kind: "postgres", url: env.DATABASE_URL } : { kind: "pglite", dir: null },
  );
  setDbHandle(Promise.resolve(db));
  const { startServer } = await import("@/lib/startup");
  await startServer();
  return {
    url: server.url,
    db,
    close: async () => {
      stopApprovalSweep();
      await drainRuns();
      await server?.close();
      server = undefined;
      setDbHandle(undefined);
      await db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

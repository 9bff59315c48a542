import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { AIProjectClient } from "@azure/ai-projects";
import type { TokenCredential } from "@azure/core-auth";
import { getConfig, resetConfig } from "@/lib/config";
import { projectClientOptions } from "@/lib/agents/project-client";
import { resetCredentialCaches } from "@/lib/agents/credentials";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { findDemoUser } from "@/lib/identity/local-idp/users";
import type { Principal } from "@/lib/identity/principal";
import { verifyAccessToken } from "@/lib/identity/verify";
import { createLocalFoundryHandler } from "@/lib/local-foundry/handler";
import type { LocalModel } from "@/lib/local-foundry/model/types";
import { resetMcpCallLimiter } from "@/lib/limits/mcp";
import { createMcpHandler } from "@/mcp-server/http";
import { useFreshDb as openFreshDb, type DbKind } from "../helpers/db";
import { idpRouter } from "../identity/idp-server";
import { serve } from "../helpers/serve";

export type DemoUserName = "alice" | "bob" | "carol" | "dana";

export interface Recorded {
  method: string;
  path: string;
  headers: Headers;
  body: unknown;
}

export interface Harness {
  /** The AIProjectClient endpoint: `http://127.0.0.1:<port>/local-foundry`. */
  endpoint: string;
  /** The server root. */
  url(): string;
  /** Every request the service received, bodies parsed. */
  requests: Recorded[];
  /** Headers of every request our MCP server (/api/mcp) received. */
  mcpRequests: Headers[];
  /** Every request the local IdP received (path, grant_type of token requests). */
  idpRequests: { method: string; path: string; form: URLSearchParams | null }[];
  token(user: DemoUserName): Promise<string>;
  credential(user: DemoUserName): TokenCredential;
  /** Built exactly as AgentService builds it (projectClientOptions). */
  project(user: DemoUserName): AIProjectClient;
  principal(user: DemoUserName): Principal;
  close(): Promise<void>;
}

/**
 * Serves the local agent service on a loopback port over a fresh database, with real local-IdP
 * tokens (a temp DATA_DIR holds the signing key) and APP_URL pointing at the server, so that
 * getConfig().agents.endpoint is this service — as in the running app. The real MCP server is
 * mounted at /api/mcp on the same origin, so agents' MCP tools are listed and called over HTTP.
 */
export async function startHarness(
  opts: { model?: () => LocalModel; db?: DbKind } = {},
): Promise<Harness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "lf-test-"));
  process.env.DATA_DIR = dataDir;
  delete process.env.FOUNDRY_PROJECT_ENDPOINT;
  resetConfig();
  resetCredentialCaches();
  resetMcpCallLimiter();
  const db = await openFreshDb(opts.db ?? "pglite");
  const mcp = createMcpHandler();
  const handler = createLocalFoundryHandler({
    basePath: "/local-foundry",
    verify: (t) => verifyAccessToken(t, { audience: "foundry" }),
    model: opts.model,
  });
  const requests: Recorded[] = [];
  const idpRequests: Harness["idpRequests"] = [];
  const mcpRequests: Headers[] = [];
  const server = await serve(async (req) => {
    const pathname = new URL(req.url).pathname;
    if (pathname === "/api/mcp") {
      mcpRequests.push(new Headers(req.headers));
      return mcp(req);
    }
    if (pathname.startsWith("/local-idp/")) {
      const form = req.method === "POST" ? new URLSearchParams(await req.clone().text()) : null;
      idpRequests.push({ method: req.method, path: pathname, form });
      return idpRouter(req);
    }
    requests.push(await record(req));
    return handler(req);
  });
  process.env.APP_URL = server.url;
  resetConfig();
  const endpoint = getConfig().agents.endpoint;

  const token = (user: DemoUserName) =>
    mintLocalAccessToken({ username: user, audience: "foundry" });
  const credential = (user: DemoUserName): TokenCredential => ({
    getToken: async () => ({ token: await token(user), expiresOnTimestamp: Date.now() + 600_000 }),
  });
  return {
    endpoint,
    url: () => server.url,
    requests,
    idpRequests,
    mcpRequests,
    token,
    credential,
    project: (user) => {
      const cred = credential(user);
      return new AIProjectClient(endpoint, cred, projectClientOptions(getConfig().agents, cred));
    },
    principal: (user) => principalOf(user),
    close: async () => {
      await server.close();
      await db.close();
      delete process.env.APP_URL;
      resetConfig();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function principalOf(user: DemoUserName): Principal {
  const u = findDemoUser(user)!;
  return {
    userId: u.oid,
    tenantId: getConfig().identity.tenantId,
    username: u.preferredUsername,
    name: u.name,
    roles: u.roles,
    scopes: ["access_as_user"],
    kind: "user",
    token: "not-used-in-local-mode",
  };
}

async function record(req: Request): Promise<Recorded> {
  const url = new URL(req.url);
  let body: unknown = null;
  if (req.method === "POST") {
    const text = await req.clone().text();
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
  }
  return {
    method: req.method,
    path: url.pathname + url.search,
    headers: new Headers(req.headers),
    body,
  };
}

/** Parses raw SSE text into frames, keeping the `event:` name apart from the data's `type`. */
export function parseSse(text: string): { event: string; data: Record<string, unknown> }[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "";
      const data = lines.find((l) => l.startsWith("data: "))?.slice(6) ?? "";
      return { event, data: JSON.parse(data) as Record<string, unknown> };
    });
}

/** The name of an agent without tools, for tests about text answers and framing only. */
export const PLAIN_AGENT = "plain-assistant";

/** Creates the tool-less agent (as dana, who is Admin); returns its agent_reference body. */
export async function addPlainAgent(h: Harness): Promise<{ agent_reference: object }> {
  await h.project("dana").agents.createVersion(PLAIN_AGENT, {
    kind: "prompt",
    model: "scripted",
    instructions: "You are a helpful assistant without tools.",
  });
  return { agent_reference: { type: "agent_reference", name: PLAIN_AGENT } };
}

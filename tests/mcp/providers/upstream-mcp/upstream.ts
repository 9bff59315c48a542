import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { serve } from "../../../helpers/serve";

/** One HTTP request the upstream received. */
export interface SeenRequest {
  method: string;
  /** JSON-RPC method of a POST (`initialize`, `tools/list`, `tools/call`, …). */
  rpc?: string;
  /** `params.name` of a tools/call, `params.arguments` too. */
  tool?: string;
  arguments?: unknown;
  headers: Record<string, string>;
  /** The HTTP status `refuse` answered with, when it did. */
  refused?: number;
}

export interface FakeUpstream {
  /** The Streamable HTTP endpoint. */
  url: string;
  seen: SeenRequest[];
  /** tools/call requests that reached a tool (after any refusal), by upstream tool name. */
  callsOf(tool: string): SeenRequest[];
  /**
   * Answers a POST itself (an HTTP refusal) instead of the MCP server when it returns a Response
   * (a promise that never settles: an upstream that never answers).
   */
  refuse?: (req: SeenRequest) => Response | Promise<Response> | undefined;
  /** Tools that answer `isError` with this text instead of their result. */
  failing: Map<string, string>;
  close(): Promise<void>;
}

/**
 * A second MCP server, built with the SDK's `McpServer` over Streamable HTTP on 127.0.0.1
 * (stateless, JSON responses, a fresh server per request as the SDK's stateless example does).
 * Its tools: a read tool with `readOnlyHint`, a write tool without annotations, a destructive
 * tool, a slow read tool, one nobody allowlists, and one whose input schema is a union.
 */
export async function startUpstream(): Promise<FakeUpstream> {
  const failing = new Map<string, string>();
  const notes: string[] = [];

  const build = (): McpServer => {
    const server = new McpServer({ name: "fake-crm", version: "1.0.0" });
    const answer = <T extends Record<string, unknown>>(tool: string, out: T) =>
      failing.has(tool)
        ? { isError: true, content: [{ type: "text" as const, text: failing.get(tool)! }] }
        : {
            content: [{ type: "text" as const, text: JSON.stringify(out) }],
            structuredContent: out,
          };
    server.registerTool(
      "lookup_customer",
      {
        title: "Look up a customer",
        description: "Finds a customer by id.",
        inputSchema: { customer_id: z.string().describe("The customer's id, e.g. C-1") },
        outputSchema: { id: z.string(), name: z.string(), tier: z.enum(["gold", "silver"]) },
        annotations: { readOnlyHint: true, openWorldHint: false },
      },
      async ({ customer_id }) =>
        answer("lookup_customer", { id: customer_id, name: "Priya Shah", tier: "gold" as const }),
    );
    server.registerTool(
      "create_note",
      {
        description: "Adds a note to a customer's record.",
        inputSchema: { customer_id: z.string(), text: z.string().max(500) },
      },
      async ({ customer_id, text }) => {
        notes.push(`${customer_id}: ${text}`);
        if (failing.has("create_note"))
          return { isError: true, content: [{ type: "text", text: failing.get("create_note")! }] };
        return {
          content: [{ type: "text", text: `Note ${notes.length} added to ${customer_id}.` }],
        };
      },
    );
    server.registerTool(
      "purge_customer",
      {
        description: "Deletes a customer and all their records.",
        inputSchema: { customer_id: z.string() },
        annotations: { destructiveHint: true, idempotentHint: true, openWorldHint: false },
      },
      async ({ customer_id }) => ({ content: [{ type: "text", text: `Purged ${customer_id}.` }] }),
    );
    server.registerTool(
      "slow_report",
      {
        description: "A report that takes long.",
        inputSchema: {},
        annotations: { readOnlyHint: true },
      },
      async (_args, extra) => {
        await new Promise((resolve) => {
          const t = setTimeout(resolve, 10_000);
          extra.signal.addEventListener("abort", () => (clearTimeout(t), resolve(undefined)));
        });
        return { content: [{ type: "text", text: "late" }] };
      },
    );
    server.registerTool(
      "admin_reset",
      { description: "Resets everything.", inputSchema: {} },
      async () => ({ content: [{ type: "text", text: "reset" }] }),
    );
    server.registerTool(
      "flexible_search",
      {
        description: "Searches by a phrase or by a structured filter.",
        inputSchema: { query: z.union([z.string(), z.object({ city: z.string() })]) },
        annotations: { readOnlyHint: true },
      },
      async () => ({ content: [{ type: "text", text: "[]" }] }),
    );
    return server;
  };

  return serveMcp(build, failing);
}

/**
 * An upstream built on the SDK's low-level `Server` whose tools/list answers `pages` one at a
 * time (`nextCursor` = the next page's index), and whose every tool answers "ok <name>".
 */
export async function startPagedUpstream(pages: Tool[][]): Promise<FakeUpstream> {
  const build = () => {
    const server = new Server({ name: "paged", version: "1.0.0" }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, async (req) => {
      const page = Number(req.params?.cursor ?? 0);
      return {
        tools: pages[page] ?? [],
        ...(page + 1 < pages.length ? { nextCursor: String(page + 1) } : {}),
      };
    });
    server.setRequestHandler(CallToolRequestSchema, async (req) => ({
      content: [{ type: "text", text: `ok ${req.params.name}` }],
    }));
    return server;
  };
  return serveMcp(build, new Map());
}

/** Streamable HTTP (stateless, JSON) in front of a fresh server per request; records requests. */
async function serveMcp(
  build: () => McpServer | Server,
  failing: Map<string, string>,
): Promise<FakeUpstream> {
  const seen: SeenRequest[] = [];
  const state: { refuse?: FakeUpstream["refuse"] } = {};
  const http = await serve(async (req) => {
    const headers = Object.fromEntries(req.headers);
    if (req.method !== "POST") {
      seen.push({ method: req.method, headers });
      return new Response(null, { status: 405, headers: { allow: "POST" } });
    }
    const body = (await req.json()) as {
      method?: string;
      params?: { name?: string; arguments?: unknown };
    };
    const record: SeenRequest = {
      method: "POST",
      rpc: body.method,
      ...(body.method === "tools/call"
        ? { tool: body.params?.name, arguments: body.params?.arguments }
        : {}),
      headers,
    };
    seen.push(record);
    const refused = await state.refuse?.(record);
    if (refused) {
      record.refused = refused.status;
      return refused;
    }
    const server = build();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(req, { parsedBody: body });
    } finally {
      await server.close();
    }
  });
  return {
    url: `${http.url}/mcp`,
    seen,
    callsOf: (tool) =>
      seen.filter((r) => r.rpc === "tools/call" && r.tool === tool && r.refused === undefined),
    get refuse() {
      return state.refuse;
    },
    set refuse(fn) {
      state.refuse = fn;
    },
    failing,
    close: () => http.close(),
  };
}

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { SpanKind } from "@opentelemetry/api";
import { inSpan, markFailed } from "@/lib/telemetry/tracing";
import type { Json } from "../shapes";
import { headersFor, type CallContext } from "./auth";
import type { McpTool } from "./definition";
import { sharedValidator } from "./validator";

/** A tool as an `mcp_list_tools` item lists it (Foundry's key order). */
export interface ListedTool {
  name: string;
  description: string;
  input_schema: Json;
  annotations: Json;
}

export type CallOutcome = { ok: true; output: string } | { ok: false; error: string };

/** What a response needs from MCP servers; tests may swap it. */
export interface McpGateway {
  listTools(tool: McpTool, signal: AbortSignal): Promise<ListedTool[]>;
  callTool(
    tool: McpTool,
    call: { name: string; arguments: Json; idempotencyKey: string },
    signal: AbortSignal,
  ): Promise<CallOutcome>;
}

/** Key in `_meta` under which our MCP server takes a per-call idempotency key (docs/MCP.md). */
export const IDEMPOTENCY_META = "io.foundry-agent-chat/idempotency-key";

const REQUEST_TIMEOUT_MS = 60_000;

/** A CLIENT span per MCP operation; the request carries it as `traceparent` (see headersFor). */
const mcpSpan = (method: string, serverLabel: string, toolName?: string) =>
  ({
    kind: SpanKind.CLIENT,
    attributes: {
      "mcp.method.name": method,
      "fac.mcp.server_label": serverLabel,
      ...(toolName ? { "gen_ai.tool.name": toolName } : {}),
    },
  }) as const;

/** Real MCP over Streamable HTTP, one short-lived client per operation (the servers are stateless). */
export function httpGateway(ctx: CallContext): McpGateway {
  return {
    listTools: (tool, signal) =>
      inSpan("mcp tools/list", mcpSpan("tools/list", tool.server_label), () =>
        listAll(tool, ctx, signal),
      ),
    callTool: (tool, call, signal) =>
      inSpan(
        "mcp tools/call",
        mcpSpan("tools/call", tool.server_label, call.name),
        async (span) => {
          const outcome = await callOnce(tool, call, ctx, signal);
          if (!outcome.ok) markFailed(span);
          return outcome;
        },
      ),
  };
}

function listAll(tool: McpTool, ctx: CallContext, signal: AbortSignal): Promise<ListedTool[]> {
  return withClient(tool, ctx, signal, async (client) => {
    const tools: ListedTool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : {}, options(signal));
      for (const t of page.tools) {
        tools.push({
          name: t.name,
          description: t.description ?? "",
          input_schema: t.inputSchema as Json,
          annotations: (t.annotations ?? {}) as Json,
        });
      }
      cursor = page.nextCursor;
    } while (cursor && tools.length < 1000);
    return tools;
  });
}

async function callOnce(
  tool: McpTool,
  call: Parameters<McpGateway["callTool"]>[1],
  ctx: CallContext,
  signal: AbortSignal,
): Promise<CallOutcome> {
  try {
    const result = (await withClient(tool, ctx, signal, (client) =>
      client.callTool(
        {
          name: call.name,
          arguments: call.arguments,
          _meta: { [IDEMPOTENCY_META]: call.idempotencyKey },
        },
        undefined,
        options(signal),
      ),
    )) as CallToolResult;
    const text = resultText(result);
    return result.isError
      ? { ok: false, error: text || "The tool failed." }
      : { ok: true, output: text };
  } catch (err) {
    if (signal.aborted) throw err;
    return { ok: false, error: describeFailure(err) };
  }
}

async function withClient<T>(
  tool: McpTool,
  ctx: CallContext,
  signal: AbortSignal,
  run: (client: Client) => Promise<T>,
): Promise<T> {
  const headers = await headersFor(tool, ctx);
  const client = new Client(
    { name: "foundry-agent-chat-local-agent-service", version: "1.0.0" },
    { jsonSchemaValidator: sharedValidator },
  );
  const transport = new StreamableHTTPClientTransport(new URL(tool.server_url), {
    requestInit: { headers },
  });
  try {
    await client.connect(transport, options(signal));
    return await run(client);
  } finally {
    await client.close().catch(() => undefined);
  }
}

const options = (signal: AbortSignal) => ({ signal, timeout: REQUEST_TIMEOUT_MS });

/** The tool's text: its text content parts, else its structured content. */
export function resultText(result: CallToolResult): string {
  const texts = (result.content ?? []).flatMap((c) => (c.type === "text" ? [c.text] : []));
  if (texts.length > 0) return texts.join("\n");
  return result.structuredContent ? JSON.stringify(result.structuredContent) : "";
}

/** A failure that never produced a tool result (server unreachable, HTTP 401, JSON-RPC error). */
export function describeFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return JSON.stringify({ code: "mcp_error", message: message.slice(0, 1000) });
}

import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv-provider.js";
import type { Principal } from "@/lib/identity/principal";
import { handleToolCall, type CallDeps } from "./call";
import { toMcpTool } from "./describe";
import { visibleTools } from "./policy";

export const SERVER_INFO = {
  name: "foundry-agent-chat",
  title: "Foundry Agent Chat tools",
  version: "1.0.0",
} as const;

const INSTRUCTIONS =
  "Governed business tools. Tool results that fail are JSON { code, message, correlation_id, retriable, retry_after_seconds? }; " +
  "on auth_required, show the user connect_url. Write tools accept an idempotency key in " +
  '_meta["io.foundry-agent-chat/idempotency-key"]; repeating a call with the same key returns the first result.';

/**
 * A fresh low-level MCP server for one request and one caller (stateless). The low-level `Server`
 * rather than `McpServer`, because tools/list is filtered per caller by the policy and tools/call
 * runs our own pipeline (validation errors in our error shape, idempotency, audit).
 */
// Building an Ajv instance costs more than the rest of a request; one serves every server.
const sharedValidator = new AjvJsonSchemaValidator();

export function buildMcpServer(
  principal: Principal,
  correlationId: string,
  deps: CallDeps,
): Server {
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: false }, logging: {} },
    instructions: INSTRUCTIONS,
    jsonSchemaValidator: sharedValidator,
  });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: visibleTools(principal, deps.tools, deps.policy).map((t) => toMcpTool(t, deps.policy)),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) =>
    handleToolCall(
      {
        name: request.params.name,
        arguments: request.params.arguments,
        meta: request.params._meta,
        headers: extra.requestInfo?.headers ?? {},
        clientCapabilities: server.getClientCapabilities(),
      },
      { principal, correlationId },
      deps,
    ),
  );
  return server;
}

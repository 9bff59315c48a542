import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { getConfig } from "@/lib/config";
import { AppError } from "@/lib/errors";
import { route } from "@/lib/http/route";
import type { RateLimiter } from "@/lib/limits/rate-limit";
import { mcpCallLimiter } from "@/lib/limits/mcp";
import { authenticateMcp } from "./auth";
import { loadCatalog } from "./catalog";
import type { ToolDefinition } from "./catalog/types";
import { checkHostAndOrigin } from "./origin";
import { POLICY, type Policy } from "./policy";
import { buildMcpServer } from "./server";

/** Tool arguments are small; this bounds what one POST may make us parse. */
const MAX_MCP_BODY_BYTES = 1024 * 1024;

export interface McpHandlerOptions {
  /** Defaults: the catalog, the policy, the configured limiter. Tests and the bench swap them. */
  tools?: readonly ToolDefinition[];
  policy?: Policy;
  limiter?: () => RateLimiter;
}

/**
 * The /api/mcp handler: Host/Origin check → authentication → a fresh stateless MCP server and
 * Streamable HTTP transport for this one request. POST carries every JSON-RPC message and is
 * answered with JSON. Stateless means no session and no server-initiated stream, so GET and
 * DELETE answer 405 as the transport spec allows.
 */
export function createMcpHandler(
  opts: McpHandlerOptions = {},
): (req: Request) => Promise<Response> {
  return route(async ({ req, correlationId }) => {
    const { appUrl, mcp } = getConfig();
    const verdict = checkHostAndOrigin(req.headers.get("host"), req.headers.get("origin"), {
      appUrl,
      allowedHosts: mcp.allowedHosts,
      allowedOrigins: mcp.allowedOrigins,
    });
    if (!verdict.ok) throw new AppError("forbidden", verdict.reason);
    const principal = await authenticateMcp(req);
    if (req.method !== "POST") {
      throw new AppError(
        "method_not_allowed",
        "This MCP server is stateless: send every message with POST.",
        { headers: { allow: "POST" } },
      );
    }
    const server = buildMcpServer(principal, correlationId, {
      tools: opts.tools ?? (await loadCatalog()),
      policy: opts.policy ?? POLICY,
      limiter: (opts.limiter ?? mcpCallLimiter)(),
      timeoutMs: mcp.toolTimeoutMs,
      argumentBounds: mcp.argumentBounds,
    });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      maxRequestBodySize: MAX_MCP_BODY_BYTES,
    });
    try {
      await server.connect(transport);
      // With JSON responses the answer is complete here, so the server can be closed at once.
      return await transport.handleRequest(req);
    } finally {
      await server.close();
    }
  });
}

/** The product's handler (app/api/mcp/route.ts). */
export const handleMcp = createMcpHandler();

import { CallToolResultSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { UpstreamMcpConfig } from "@/lib/tool-backends";
import type { ToolContext } from "@/mcp-server/catalog/types";
import { withUpstream } from "./connection";
import { withRenewal } from "./credentials";

/**
 * Above any budget runResilient gives a tool (MCP_TOOL_TIMEOUT_MS, the backend's timeoutMs):
 * the tool's signal ends the call, never the SDK's default 60 s timeout.
 */
const CALL_REQUEST_TIMEOUT_MS = 310_000;

/**
 * One `tools/call` to the upstream with the tool's real (upstream) name and the arguments our
 * schema already validated, authenticated as the backend's `auth` says for this caller (never
 * with the caller's own token), bounded by the tool's signal. Retries within the call (after a
 * transient failure) are runResilient's, for tools safe to repeat; this only renews credentials.
 */
export async function callUpstreamTool(
  source: string,
  config: UpstreamMcpConfig,
  upstreamName: string,
  args: Record<string, unknown>,
  ctx: ToolContext,
): Promise<CallToolResult> {
  return withRenewal(source, config.auth, ctx.principal, (headers) =>
    withUpstream(
      { source, url: config.url },
      headers,
      { signal: ctx.signal, timeoutMs: CALL_REQUEST_TIMEOUT_MS },
      (client, req) =>
        client.callTool(
          { name: upstreamName, arguments: args },
          CallToolResultSchema,
          req,
        ) as Promise<CallToolResult>,
    ),
  );
}

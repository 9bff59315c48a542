import { traceHeaders } from "@/lib/telemetry/tracing";
import type { McpTool } from "./definition";

/** Who the calls of one response are made for, and the trace they belong to. */
export interface CallContext {
  /** The response owner's `oid`. */
  userId: string;
  /**
   * The incoming request's `traceparent`, passed on so the MCP server logs the same trace (with
   * tracing on, the active MCP client span's is sent instead).
   */
  traceparent: string | null;
  /**
   * Credential headers of the tool's project connection (`x-api-key` of a key connection, the
   * owner's own bearer token of an OAuth identity-passthrough connection); none without one.
   */
  connectionHeaders(tool: McpTool): Promise<Record<string, string>>;
}

/**
 * Headers for one MCP request: the tool's own `headers`, then its project connection's credential
 * (the connection wins: it is how the project says the server is reached), and the trace. Nothing
 * is minted any more: a tool without a connection sends only what its definition holds.
 */
export async function headersFor(tool: McpTool, ctx: CallContext): Promise<Record<string, string>> {
  const own = Object.fromEntries(
    Object.entries(tool.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const connection = await ctx.connectionHeaders(tool);
  const traceparent = traceHeaders().traceparent ?? ctx.traceparent;
  return {
    ...(traceparent ? { traceparent } : {}),
    ...own,
    ...connection,
  };
}

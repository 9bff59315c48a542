import { getConfig } from "@/lib/config";
import { mintLocalAccessTokenForUserId } from "@/lib/identity/local-idp/tokens";
import { logger } from "@/lib/log";
import type { McpTool } from "./definition";

/** Who the calls of one response are made for, and the trace they belong to. */
export interface CallContext {
  /** The response owner's `oid`. */
  userId: string;
  /** The incoming request's `traceparent`, passed on so the MCP server logs the same trace. */
  traceparent: string | null;
}

/**
 * Headers for one MCP request. Until per-user consent exists, our own server (the origin of
 * `mcp.resourceUrl`) is called for the end user with a delegated token minted by the local IdP;
 * no other server ever gets that token. A tool's own `Authorization` or `x-api-key` header wins
 * (it is what the agent's author configured). In Entra mode nothing can be minted: headers only.
 */
export async function headersFor(tool: McpTool, ctx: CallContext): Promise<Record<string, string>> {
  const own = Object.fromEntries(
    Object.entries(tool.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const out: Record<string, string> = {};
  if (!own.authorization && !own["x-api-key"] && isOwnServer(tool.server_url)) {
    const token = await delegatedToken(ctx.userId);
    if (token) out.authorization = `Bearer ${token}`;
  }
  if (ctx.traceparent) out.traceparent = ctx.traceparent;
  return { ...out, ...own };
}

export function isOwnServer(serverUrl: string): boolean {
  try {
    return new URL(serverUrl).origin === new URL(getConfig().mcp.resourceUrl).origin;
  } catch {
    return false;
  }
}

async function delegatedToken(userId: string): Promise<string | null> {
  if (getConfig().identity.mode !== "local") return null;
  try {
    return await mintLocalAccessTokenForUserId(userId, { audience: "api", ttlSeconds: 300 });
  } catch (err) {
    // Not a local user (e.g. an app principal): the server will answer 401, which the listing reports.
    logger().warn({ err }, "no delegated MCP token for this caller");
    return null;
  }
}

import { getConfig } from "@/lib/config";
import type { ToolContext } from "@/mcp-server/catalog/types";
import { ToolError } from "@/mcp-server/catalog/types";
import { requireConnection } from "@/mcp-server/connections/require";
import type { GraphPermission } from "./auth";
import { GraphApi } from "./client";

/**
 * The one path from a Graph tool to Microsoft Graph in live mode: a signed-in user (Graph is
 * delegated; an app's access key has no user to act for), the user's in-app connection (their
 * agreement that the assistant may act in Microsoft 365 — Entra's consent is checked by the
 * token exchange itself), then `fn` with a GraphApi for the one permission the tool needs.
 *
 * The SDK's retry waits are bounded by the tool's time budget, MCP_TOOL_TIMEOUT_MS, counted from
 * here (the MCP core's own budget started a moment earlier and aborts `ctx.signal` at its end).
 */
export async function graphCall<T>(
  ctx: ToolContext,
  permission: GraphPermission,
  fn: (api: GraphApi) => Promise<T>,
): Promise<T> {
  if (ctx.principal.kind !== "user") {
    throw new ToolError(
      "forbidden",
      "Microsoft 365 tools act as a signed-in user; an app's access key cannot use them.",
      { provider: "graph" },
    );
  }
  await requireConnection(ctx.principal, "graph");
  const deadline = Date.now() + getConfig().mcp.toolTimeoutMs;
  const api = new GraphApi(ctx.principal, permission, {
    signal: ctx.signal,
    correlationId: ctx.correlationId,
    deadline,
  });
  return fn(api);
}

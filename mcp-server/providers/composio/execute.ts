import type { ComposioSettings } from "@/lib/config";
import { ToolError, type ToolContext } from "@/mcp-server/catalog/types";
import { composioAuthRequired } from "./connect-link";
import { isNotConnected, isNotConnectedText } from "./errors";
import { withComposioSession } from "./sessions";

export interface ComposioToolRef {
  /** `GITHUB_CREATE_AN_ISSUE` */
  slug: string;
  /** `github` */
  toolkit: string;
  /** `GitHub`, for messages */
  toolkitName: string;
}

/**
 * Runs one whitelisted tool for the calling user:
 * `POST /api/v3.1/tool_router/session/{id}/execute { tool_slug, arguments }` on their session,
 * bounded by ctx.signal. A user without a connected account for the toolkit gets `auth_required`
 * with our connect page; the tool's own failure (`error` in the answer) is a non-retriable
 * `provider_error` with its message.
 */
export async function executeComposioTool(
  settings: ComposioSettings,
  tool: ComposioToolRef,
  args: Record<string, unknown>,
  ctx: ToolContext,
): Promise<Record<string, unknown>> {
  if (ctx.principal.kind !== "user")
    throw new ToolError(
      "forbidden",
      "Composio tools act on a signed-in user's own accounts; an application cannot call them.",
    );
  return withComposioSession(ctx.principal.userId, settings, ctx.signal, async (session) => {
    let result: Awaited<ReturnType<typeof session.execute>>;
    try {
      result = await session.execute(tool.slug, args, undefined, { signal: ctx.signal });
    } catch (err) {
      if (isNotConnected(err))
        throw await composioAuthRequired(ctx.principal, tool.toolkit, tool.toolkitName);
      throw err;
    }
    if (result.error) {
      if (isNotConnectedText(result.error))
        throw await composioAuthRequired(ctx.principal, tool.toolkit, tool.toolkitName);
      throw new ToolError(
        "provider_error",
        `${tool.toolkitName} reported a failure: ${result.error.slice(0, 400)}`,
        { retriable: false, provider: "composio" },
      );
    }
    return result.data;
  });
}

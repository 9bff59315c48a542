import { requireConnection } from "@/mcp-server/connections/require";
import type { ToolContext } from "@/mcp-server/catalog/types";
import { ToolError } from "@/mcp-server/catalog/types";
import { withProviderSession, type SessionOptions } from "./sessions";
import type { ProviderSession } from "./types";

/**
 * The one path from a tool to its provider: the user's connection must exist (else
 * `auth_required`), then the call runs inside the user's provider session (renewed and retried
 * once on 401/403). Nothing starts once the caller has given up. A real adapter passes its own
 * session issuer (`options.issuer`); the sandbox's is the default.
 */
export async function callProvider<T>(
  ctx: ToolContext,
  provider: string,
  fn: (session: ProviderSession) => Promise<T>,
  options: SessionOptions = {},
): Promise<T> {
  await requireConnection(ctx.principal, provider);
  return withProviderSession(
    ctx.principal.userId,
    provider,
    (session) => {
      if (ctx.signal.aborted)
        throw new ToolError("timeout", "The call was cancelled before it reached the provider.", {
          retriable: true,
        });
      return fn(session);
    },
    options,
  );
}

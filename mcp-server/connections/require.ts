import type { Principal } from "@/lib/identity/principal";
import { ToolError } from "@/mcp-server/catalog/types";
import { isConnectableProvider } from "@/mcp-server/providers/types";
import { connectUrl } from "./connect-token";
import { connectableProviderInfo } from "./providers";
import { getConnection } from "./store";

/**
 * Throws `auth_required` with a connect link when `provider` needs a per-user connection that
 * this user has not made. Providers that need none pass straight through.
 */
export async function requireConnection(principal: Principal, provider: string): Promise<void> {
  if (!isConnectableProvider(provider)) return;
  if (await getConnection(principal.userId, provider)) return;
  const url = await connectUrl({
    userId: principal.userId,
    provider,
    username: principal.username,
  });
  const name = connectableProviderInfo[provider].displayName;
  throw new ToolError(
    "auth_required",
    `Connect your ${name} account to use this tool, then try again.`,
    {
      connectUrl: url,
      provider,
      retriable: true,
    },
  );
}

import { providerInfo, type ProviderInfo } from "@/lib/connections/providers";
import { connectableProviders, type ConnectableProvider } from "@/mcp-server/providers/types";

/**
 * Which providers need a per-user connection, and what the consent page tells the user. In
 * sandbox mode gmail, graph and twilio need one (their accounts belong to the user); tavily and
 * the dealer OpenAPI backend are app-level services and need none. The names, grants and scopes
 * live in lib/connections/providers.ts, where the browser can read them too.
 */
export const connectableProviderInfo: Record<ConnectableProvider, ProviderInfo> = providerInfo;

export { connectableProviders };

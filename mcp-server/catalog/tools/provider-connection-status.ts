import { z } from "zod";
import { connectUrl } from "@/mcp-server/connections/connect-token";
import { connectableProviderInfo, connectableProviders } from "@/mcp-server/connections/providers";
import { listConnections } from "@/mcp-server/connections/store";
import { annotations, defineTool } from "./define";

export const providerConnectionStatus = defineTool({
  name: "provider_connection_status",
  title: "Provider connection status",
  description:
    "Show which tool providers (gmail, graph for Microsoft 365, twilio) the user has connected, and a link to connect the ones that are not. Call this before using a provider's tools if unsure.",
  risk: "read",
  annotations: annotations.read(false),
  provider: "internal",
  inputSchema: z.object({
    provider: z
      .enum(connectableProviders)
      .optional()
      .describe("Only this provider; all providers when omitted."),
  }),
  outputSchema: z.object({
    providers: z.array(
      z.object({
        provider: z.enum(connectableProviders),
        displayName: z.string(),
        connected: z.boolean(),
        accountLabel: z.string().optional(),
        connectedAt: z.string().optional(),
        connectUrl: z
          .string()
          .optional()
          .describe("Open to connect (present only when not connected)."),
      }),
    ),
  }),
  async run(input, ctx) {
    const mine = new Map((await listConnections(ctx.principal.userId)).map((c) => [c.provider, c]));
    const wanted = input.provider ? [input.provider] : [...connectableProviders];
    const providers = await Promise.all(
      wanted.map(async (provider) => {
        const c = mine.get(provider);
        const displayName = connectableProviderInfo[provider].displayName;
        if (c)
          return {
            provider,
            displayName,
            connected: true,
            accountLabel: c.accountLabel,
            connectedAt: c.connectedAt.toISOString(),
          };
        const url = await connectUrl({
          userId: ctx.principal.userId,
          provider,
          username: ctx.principal.username,
        });
        return { provider, displayName, connected: false, connectUrl: url };
      }),
    );
    return { providers };
  },
});

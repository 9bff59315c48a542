/**
 * Provider connections as the browser may know them: display names, what a connection lets the
 * tools do, and the scopes recorded with it. Browser-safe (no server imports); the MCP server's
 * consent page and tools read the same table (mcp-server/connections/providers.ts).
 */
export interface ProviderInfo {
  displayName: string;
  grants: string[];
  scopes: string[];
}

export const providerInfo = {
  gmail: {
    displayName: "Gmail",
    grants: ["Read and search your mail", "Create drafts", "Send mail as you"],
    scopes: [
      "https://www.googleapis.com/auth/gmail.readonly",
      "https://www.googleapis.com/auth/gmail.compose",
      "https://www.googleapis.com/auth/gmail.send",
    ],
  },
  graph: {
    displayName: "Microsoft 365",
    grants: [
      "Read and change your Planner tasks",
      "Send Outlook mail as you",
      "Post Teams channel messages as you",
    ],
    scopes: ["Tasks.ReadWrite", "Mail.Send", "ChannelMessage.Send"],
  },
  twilio: {
    displayName: "Twilio",
    grants: ["Send SMS and WhatsApp messages from your Twilio number"],
    scopes: ["messages:create"],
  },
} as const satisfies Record<string, ProviderInfo>;

export type KnownProvider = keyof typeof providerInfo;

/** Providers whose connections are made elsewhere (Composio's Connect Links), by name only. */
const otherProviderNames: Record<string, string> = { composio: "Composio" };

/** "Twilio" for `twilio`; an unknown provider id is shown as it is. */
export function providerDisplayName(provider: string): string {
  if (Object.hasOwn(providerInfo, provider))
    return providerInfo[provider as KnownProvider].displayName;
  return Object.hasOwn(otherProviderNames, provider) ? otherProviderNames[provider]! : provider;
}

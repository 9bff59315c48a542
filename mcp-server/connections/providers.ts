import { connectableProviders, type ConnectableProvider } from "@/mcp-server/providers/types";

/**
 * Which providers need a per-user connection, and what the consent page tells the user. In
 * sandbox mode gmail, graph and twilio need one (their accounts belong to the user); tavily and
 * the dealer OpenAPI backend are app-level services and need none.
 */
export const connectableProviderInfo: Record<
  ConnectableProvider,
  { displayName: string; grants: string[]; scopes: string[] }
> = {
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
};

export { connectableProviders };

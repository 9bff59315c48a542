import { getConfig } from "@/lib/config";
import type { ToolContext } from "@/mcp-server/catalog/types";
import type { ComposeArgs, Page } from "../sandbox/gmail";
import type { CreatedDraft, SentMessage } from "./compose";
import { liveGmailProvider } from "./live";
import { sandboxGmailProvider } from "./sandbox";

export interface ListArgs {
  labelIds: string[];
  maxResults: number;
  pageToken?: string;
  includeBody: boolean;
}

export interface SearchArgs {
  query: string;
  maxResults: number;
  pageToken?: string;
  includeBody: boolean;
}

/**
 * What the gmail_* tools need from Gmail, implemented by the sandbox (the database mailbox) and by
 * the live adapter (Google's Gmail API). Both return the tools' output shapes; each checks the
 * user's connection and runs inside the user's provider session.
 */
export interface GmailProvider {
  listMessages(ctx: ToolContext, args: ListArgs): Promise<Page>;
  searchMessages(ctx: ToolContext, args: SearchArgs): Promise<Page>;
  sendMessage(ctx: ToolContext, args: ComposeArgs): Promise<SentMessage>;
  createDraft(ctx: ToolContext, args: ComposeArgs): Promise<CreatedDraft>;
}

/** The provider GMAIL_PROVIDER selects (sandbox unless `live`). */
export function gmailProvider(): GmailProvider {
  return getConfig().providers.gmail.mode === "live" ? liveGmailProvider : sandboxGmailProvider;
}

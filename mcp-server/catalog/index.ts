import type { ToolDefinition } from "./types";
import { dealerApiTools } from "./tools/dealer-api";
import { gmailCreateDraft } from "./tools/gmail-create-draft";
import { gmailListMessages } from "./tools/gmail-list-messages";
import { gmailSearchEmails } from "./tools/gmail-search-emails";
import { gmailSendEmail } from "./tools/gmail-send-email";
import { outlookSendMail } from "./tools/outlook-send-mail";
import { plannerCreateTask } from "./tools/planner-create-task";
import { plannerDeleteTask } from "./tools/planner-delete-task";
import { plannerGetTask } from "./tools/planner-get-task";
import { plannerListTasks } from "./tools/planner-list-tasks";
import { plannerUpdateTask } from "./tools/planner-update-task";
import { providerConnectionStatus } from "./tools/provider-connection-status";
import { tavilySearch } from "./tools/tavily-search";
import { teamsPostMessage } from "./tools/teams-post-message";
import { twilioSendSms } from "./tools/twilio-send-sms";
import { twilioSendWhatsapp } from "./tools/twilio-send-whatsapp";

/**
 * Every tool the MCP server can expose, in a stable order. The policy (mcp-server/policy.ts)
 * decides which of them a caller sees; this list only says what exists.
 */
export const catalog: readonly ToolDefinition[] = Object.freeze(
  assertUniqueNames([
    // Messaging
    twilioSendSms,
    twilioSendWhatsapp,
    // Web search
    tavilySearch,
    // Mail
    gmailSendEmail,
    gmailCreateDraft,
    gmailListMessages,
    gmailSearchEmails,
    // Microsoft 365
    plannerListTasks,
    plannerGetTask,
    plannerCreateTask,
    plannerUpdateTask,
    plannerDeleteTask,
    outlookSendMail,
    teamsPostMessage,
    // Business APIs generated from mcp-server/openapi/dealer-api.yaml
    ...dealerApiTools,
    // Connections
    providerConnectionStatus,
  ] as ToolDefinition[]),
);

const byName = new Map(catalog.map((t) => [t.name, t]));

export function getTool(name: string): ToolDefinition | undefined {
  return byName.get(name);
}

function assertUniqueNames(tools: ToolDefinition[]): ToolDefinition[] {
  const seen = new Set<string>();
  for (const t of tools) {
    if (seen.has(t.name)) throw new Error(`Duplicate tool name in catalog: ${t.name}`);
    seen.add(t.name);
  }
  return tools;
}

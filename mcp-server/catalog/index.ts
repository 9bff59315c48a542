import { logger } from "@/lib/log";
import { configuredToolSources } from "./configured-sources";
import {
  refreshToolSources,
  setToolSources,
  sourcedTools,
  toolSourceIds,
  toolSourcesInstalled,
  toolSourcesVersion,
} from "./sources";
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
 * The tools built into the server, in a stable order. The catalog adds the tools of configured
 * sources (catalog/sources.ts); the policy (mcp-server/policy.ts) decides which of them a caller
 * sees — this list only says what exists.
 */
export const builtinTools: readonly ToolDefinition[] = Object.freeze(
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

/**
 * Loads (or refreshes) the configured tool sources and returns the whole catalog. Request paths
 * that list or call tools await it; a source already listed costs nothing here.
 */
export async function loadCatalog(): Promise<readonly ToolDefinition[]> {
  if (!toolSourcesInstalled()) setToolSources(configuredToolSources());
  await refreshToolSources();
  return catalogTools();
}

type Cached = {
  version: number;
  tools: readonly ToolDefinition[];
  byName: Map<string, ToolDefinition>;
};
// Per module copy, not on globalThis: each Next entry keeps its own built-in tools (and their
// error classes); only the sourced tools are shared, by `sources.ts`.
let cache: Cached | undefined;

/**
 * Every tool the server can expose right now: the built-in ones, then each loaded source's.
 * A sourced tool whose name is already taken is left out (a source cannot shadow a tool). The
 * one exception is configuration, not a source's say: a configured source with the id of a
 * built-in provider (`openapi:dealer`) replaces that provider's sandbox tools, loaded or not.
 */
export function catalogTools(): readonly ToolDefinition[] {
  return merged().tools;
}

export function getTool(name: string): ToolDefinition | undefined {
  return merged().byName.get(name);
}

function merged(): Cached {
  const version = toolSourcesVersion();
  if (cache?.version === version) return cache;
  const replaced = toolSourceIds();
  const byName = new Map(
    builtinTools.filter((t) => !replaced.has(t.provider)).map((t) => [t.name, t]),
  );
  for (const t of sourcedTools()) {
    if (byName.has(t.name)) {
      logger().warn(
        { tool: t.name, provider: t.provider },
        "sourced tool name already taken; left out",
      );
      continue;
    }
    byName.set(t.name, t);
  }
  cache = { version, tools: Object.freeze([...byName.values()]), byName };
  return cache;
}

function assertUniqueNames(tools: ToolDefinition[]): ToolDefinition[] {
  const seen = new Set<string>();
  for (const t of tools) {
    if (seen.has(t.name)) throw new Error(`Duplicate tool name in catalog: ${t.name}`);
    seen.add(t.name);
  }
  return tools;
}

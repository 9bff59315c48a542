import type { ToolDefinition } from "./types";
import { providerConnectionStatus } from "./tools/provider-connection-status";
import { tavilySearch } from "./tools/tavily-search";
import { twilioSendSms } from "./tools/twilio-send-sms";
import { twilioSendWhatsapp } from "./tools/twilio-send-whatsapp";

/**
 * Every tool the MCP server can expose, in a stable order. The policy (mcp-server/policy.ts)
 * decides which of them a caller sees; this list only says what exists.
 */
export const catalog: readonly ToolDefinition[] = Object.freeze(
  assertUniqueNames([twilioSendSms, twilioSendWhatsapp, tavilySearch, providerConnectionStatus] as ToolDefinition[]),
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

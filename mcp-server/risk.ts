import { getConfig } from "@/lib/config";
import { getTool } from "./catalog";
import type { Risk } from "./catalog/types";
import { effectiveRisk, isAllowlisted, POLICY } from "./policy";

/**
 * The risk of a call an agent wants to make, for its approval record: our own server's tools by
 * the policy; any other server's tool (or one we do not offer) counts as `write`.
 */
export function riskOfCall(serverLabel: string, toolName: string): Risk {
  if (serverLabel !== getConfig().mcp.serverLabel) return "write";
  const tool = getTool(toolName);
  if (!tool || !isAllowlisted(tool.name, POLICY)) return "write";
  return effectiveRisk(tool, POLICY);
}

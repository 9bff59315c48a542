import type { ToolAnnotations as McpToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import type { Risk, ToolAnnotations } from "@/mcp-server/catalog/types";

/**
 * The upstream's hints as our catalog shows them, missing ones filled with the MCP spec's
 * defaults (2025-11-25: readOnly false, destructive true, idempotent false, openWorld true), so a
 * tool that says nothing is treated as the most dangerous kind. For a tool that says it is
 * read-only, `destructiveHint`/`idempotentHint` mean nothing (the spec: "meaningful only when
 * readOnlyHint == false"); missing, they are filled as for every read tool of ours (not
 * destructive, idempotent) rather than with a contradictory "destructive".
 */
export function annotationsOf(hints: McpToolAnnotations | undefined): ToolAnnotations {
  const readOnly = hints?.readOnlyHint === true;
  return {
    readOnlyHint: readOnly,
    destructiveHint: hints?.destructiveHint ?? !readOnly,
    idempotentHint: hints?.idempotentHint ?? readOnly,
    openWorldHint: hints?.openWorldHint ?? true,
  };
}

const ORDER: readonly Risk[] = ["read", "write", "privileged"];

export interface RiskMapping {
  risk: Risk;
  /** The configuration raised it above what the annotations say. */
  raised: boolean;
  /** The configuration asked for a lower risk than the annotations give (ignored). */
  loweringIgnored: boolean;
}

/**
 * `readOnlyHint: true` → `read`, anything else → `write`; a configured risk only raises it (an
 * upstream cannot be made safer by configuration than it says it is). The policy's overrides
 * apply on top, as for every tool.
 */
export function riskOf(annotations: ToolAnnotations, configured: Risk | undefined): RiskMapping {
  const declared: Risk = annotations.readOnlyHint ? "read" : "write";
  if (!configured) return { risk: declared, raised: false, loweringIgnored: false };
  const up = ORDER.indexOf(configured) - ORDER.indexOf(declared);
  return up > 0
    ? { risk: configured, raised: true, loweringIgnored: false }
    : { risk: declared, raised: false, loweringIgnored: up < 0 };
}

import { getConfig } from "@/lib/config";
import { upstreamMcpSources } from "@/mcp-server/providers/upstream-mcp/source";
import type { ToolSource } from "./sources";

/**
 * The tool sources the configuration asks for (docs/TOOLS.md): OpenAPI backends, upstream MCP
 * servers and Composio. Each kind contributes its own sources; none is configured by default.
 */
export function configuredToolSources(): ToolSource[] {
  return [...upstreamMcpSources(getConfig().toolBackends.mcp)];
}

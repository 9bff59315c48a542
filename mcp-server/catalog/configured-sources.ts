import { getConfig } from "@/lib/config";
import { openApiBackendSources } from "@/mcp-server/openapi/source";
import { composioToolSources } from "@/mcp-server/providers/composio/tools";
import { upstreamMcpSources } from "@/mcp-server/providers/upstream-mcp/source";
import type { ToolSource } from "./sources";

/**
 * The tool sources the configuration asks for (docs/TOOLS.md): OpenAPI backends, upstream MCP
 * servers and Composio. Each kind contributes its own sources; none is configured by default.
 */
export function configuredToolSources(): ToolSource[] {
  const config = getConfig();
  return [
    ...openApiBackendSources(config.toolBackends.openapi),
    ...upstreamMcpSources(config.toolBackends.mcp),
    ...composioToolSources(config.providers.composio),
  ];
}

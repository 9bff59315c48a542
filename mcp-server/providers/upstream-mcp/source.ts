import type { UpstreamMcpConfig } from "@/lib/tool-backends";
import { logger } from "@/lib/log";
import type { ToolSource } from "@/mcp-server/catalog/sources";
import { listUpstreamTools } from "./listing";
import { collidingNames } from "./names";
import { federatedTool, type UpstreamToolDefinition } from "./tool";

/**
 * One tool source per configured upstream MCP server (docs/TOOLS.md, "Upstream MCP servers"):
 * id `mcp:<id>`, its allowlisted tools as `mcp_<id>_<name>`, listed again every refreshSeconds.
 */
export function upstreamMcpSources(configs: readonly UpstreamMcpConfig[]): ToolSource[] {
  return configs.map(upstreamMcpSource);
}

export function upstreamMcpSource(config: UpstreamMcpConfig): ToolSource {
  const id = `mcp:${config.id}`;
  return {
    id,
    refreshMs: config.refreshSeconds * 1000,
    load: async (signal) => offeredTools(id, config, await listUpstreamTools(id, config, signal)),
  };
}

/**
 * The upstream's tools we offer: only those in the allowlist, and of those only the ones that
 * can be expressed in our catalog. Everything left out is logged with the reason (the listing
 * itself still succeeds).
 */
export function offeredTools(
  source: string,
  config: UpstreamMcpConfig,
  listed: Parameters<typeof federatedTool>[2][],
): UpstreamToolDefinition[] {
  const log = logger();
  const allow = new Set(config.tools);
  const seen = new Set<string>();
  const built: UpstreamToolDefinition[] = [];
  for (const upstream of listed) {
    if (!allow.has(upstream.name) || seen.has(upstream.name)) continue;
    seen.add(upstream.name);
    const federated = federatedTool(source, config, upstream);
    if (!federated.ok) {
      log.warn(
        { source, tool: upstream.name, reason: federated.reason },
        "upstream MCP tool left out",
      );
      continue;
    }
    for (const warning of federated.warnings)
      log.warn({ source, tool: upstream.name, reason: warning }, "upstream MCP tool");
    built.push(federated.tool);
  }
  for (const name of config.tools)
    if (!seen.has(name))
      log.warn(
        { source, tool: name },
        "allowlisted tool is not offered by the upstream MCP server",
      );
  for (const name of Object.keys(config.risks))
    if (!allow.has(name))
      log.warn({ source, tool: name }, "risks names a tool that is not in the allowlist; ignored");

  const clashes = collidingNames(built.map((t) => t.name));
  for (const t of built.filter((b) => clashes.has(b.name)))
    log.warn(
      { source, tool: t.upstream.name, name: t.name },
      "upstream MCP tool left out: another allowlisted tool has the same catalog name",
    );
  return built.filter((t) => !clashes.has(t.name));
}

/**
 * Provisions Foundry (or local-service) agents from agent files, with the `mcp` tool generated
 * from the MCP server's policy:
 *   npm run -s agents -- diff      [--file deploy/agents/assistant.yaml] [--model <deployment>]
 *   npm run -s agents -- provision [--file deploy/agents/assistant.yaml] [--model <deployment>]
 * diff exits 0 (same), 1 (differs) or 2 (error). See docs/PROVISIONING.md.
 */
import { loadAppEnv } from "./lib/cli";

async function main(): Promise<void> {
  loadAppEnv();
  // Imported after the environment is loaded: configuration is read on first use.
  const { runAgentsCommand } = await import("@/lib/agents/provision/command");
  process.exitCode = await runAgentsCommand(process.argv.slice(2), {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
});

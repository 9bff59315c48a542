import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db/client";
import { startApprovalSweep } from "@/lib/approvals/expiry";
import { endRunsWithExpiredApprovals, recoverInterruptedRuns } from "@/lib/chat/run-driver";
import { logger } from "@/lib/log";
import { loadSecretsIntoEnvironment } from "@/lib/secrets/key-vault";
import { startTracing } from "@/lib/telemetry/tracing";

/** Start-up work shared by `next dev`, `next start` and tests that boot the app. */
export async function startServer(): Promise<void> {
  // Before anything reads the configuration: secrets from Key Vault (KEY_VAULT_URL) fill it in.
  const fromVault = await loadSecretsIntoEnvironment();
  const config = getConfig();
  const log = logger();
  if (fromVault.length > 0) log.info({ secrets: fromVault }, "secrets read from Key Vault");
  const tracing = await startTracing();
  await getDb();
  // Tools of configured sources (OpenAPI backends, upstream MCP servers, Composio) join the
  // catalog before the local agents are seeded with it; a source that fails is retried later.
  const { loadCatalog } = await import("@/mcp-server/catalog");
  await loadCatalog();
  if (config.agents.mode === "local") {
    const { seedLocalAgents } = await import("@/lib/local-foundry/seed");
    await seedLocalAgents();
  }
  if (config.database.kind === "pglite") {
    const recovered = await recoverInterruptedRuns();
    if (recovered > 0) log.warn({ recovered }, "closed runs interrupted by the previous shutdown");
  }
  startApprovalSweep(config.approvals.sweepIntervalMs, endRunsWithExpiredApprovals);
  log.info(
    {
      identity: config.identity.mode,
      agents: config.agents.mode,
      database: config.database.kind,
      bus: config.redisUrl ? "redis" : "memory",
      appUrl: config.appUrl,
      tracing,
    },
    "Foundry Agent Chat ready",
  );
}

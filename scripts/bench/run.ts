/**
 * `npm run bench [-- chat|mcp]`: runs the benchmarks on this machine, loopback only, bounded in
 * count and time, and prints Markdown tables (copied into docs/PERFORMANCE.md).
 */
import os from "node:os";
import { benchApprovals, benchApprovalsReplicas, formatApprovals } from "./approvals";
import { benchChat, formatChat } from "./chat";
import { benchMcp, formatMcp } from "./mcp";
import { createScratchDatabase } from "../../tests/helpers/postgres";

async function main() {
  const only = process.argv[2];
  console.log(
    `# Benchmarks — ${new Date().toISOString()} — Node ${process.version}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB\n`,
  );
  if (!only || only === "chat") {
    console.log(formatChat(await benchChat()));
    console.log();
  }
  if (!only || only === "approvals") {
    console.log(formatApprovals([await benchApprovals(), await benchApprovalsReplicas()]));
    console.log();
  }
  if (!only || only === "mcp") {
    console.log(formatMcp(await benchMcp()));
    console.log();
    // The same against a scratch PostgreSQL database (the scale-out mode).
    const scratch = await createScratchDatabase();
    try {
      console.log(formatMcp(await benchMcp({ databaseUrl: scratch.url })));
    } finally {
      await scratch.drop();
    }
  }
  process.exit(0);
}

void main();

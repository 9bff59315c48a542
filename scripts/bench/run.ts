/**
 * `npm run bench [-- chat|approvals|streams|relay|scale|mcp|browser]`: runs the benchmarks on this machine,
 * loopback only, bounded in count and time, and prints Markdown tables (copied into
 * docs/PERFORMANCE.md).
 */
import os from "node:os";
import { benchApprovals, benchApprovalsReplicas, formatApprovals } from "./approvals";
import { benchBrowser, formatBrowser } from "./browser";
import { benchChat, formatChat } from "./chat";
import { benchMcp, formatMcp } from "./mcp";
import { benchRelay, formatRelay } from "./relay";
import { benchScale, formatScale } from "./scale";
import { benchStreams, formatStreams } from "./streams";
import { createScratchDatabase } from "../../tests/helpers/postgres";

/**
 * In-process benches point the app at their own databases through the environment (as the test
 * app does); each section starts from the environment the command was run with.
 */
const startEnv = { ...process.env };
function restoreEnv(): void {
  for (const key of Object.keys(process.env)) if (!(key in startEnv)) delete process.env[key];
  Object.assign(process.env, startEnv);
}

async function main() {
  const only = process.argv[2];
  console.log(
    `# Benchmarks — ${new Date().toISOString()} — Node ${process.version}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB\n`,
  );
  if (!only || only === "chat") {
    restoreEnv();
    console.log(formatChat(await benchChat()));
    console.log();
  }
  if (!only || only === "approvals") {
    restoreEnv();
    console.log(formatApprovals([await benchApprovals(), await benchApprovalsReplicas()]));
    console.log();
  }
  if (!only || only === "streams") {
    restoreEnv();
    console.log(formatStreams(await benchStreams()));
    console.log();
  }
  if (!only || only === "relay") {
    restoreEnv();
    console.log(formatRelay(await benchRelay()));
    console.log();
  }
  if (!only || only === "scale") {
    restoreEnv();
    // PostgreSQL (the target), then the embedded PGlite.
    const scratch = await createScratchDatabase();
    try {
      console.log(formatScale(await benchScale({ databaseUrl: scratch.url })));
    } finally {
      await scratch.drop();
    }
    console.log();
    console.log(formatScale(await benchScale()));
    console.log();
  }
  if (!only || only === "mcp") {
    restoreEnv();
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
  if (!only || only === "browser") {
    restoreEnv();
    console.log(formatBrowser(await benchBrowser()));
    console.log();
  }
  process.exit(0);
}

void main();

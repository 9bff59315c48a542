/**
 * `npm run bench [-- chat|mcp]`: runs the benchmarks on this machine, loopback only, bounded in
 * count and time, and prints Markdown tables (copied into docs/PERFORMANCE.md).
 */
import os from "node:os";
import { benchChat, formatChat } from "./chat";

async function main() {
  const only = process.argv[2];
  console.log(`# Benchmarks — ${new Date().toISOString()} — Node ${process.version}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB\n`);
  if (!only || only === "chat") {
    console.log(formatChat(await benchChat()));
    console.log();
  }
  process.exit(0);
}

void main();

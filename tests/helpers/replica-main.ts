/**
 * One app replica in its own process, for scale-out tests: the real route handlers on
 * 127.0.0.1:$PORT with the configuration in the environment (DATABASE_URL, REDIS_URL, APP_URL,
 * DATA_DIR). Prints `READY <url>` when it serves; SIGTERM stops it after its runs drain.
 */
import { stopApprovalSweep } from "@/lib/approvals/expiry";
import { getBus } from "@/lib/bus";
import { drainRuns } from "@/lib/chat/run-driver";
import { startServer } from "@/lib/startup";
import { appHandler } from "./app";
import { serve } from "./serve";

async function main() {
  const port = Number(process.argv[2] ?? "0");
  const server = await serve(appHandler, port);
  await startServer();
  process.stdout.write(`READY ${server.url}\n`);
  const stop = async () => {
    stopApprovalSweep();
    await Promise.race([drainRuns(), new Promise((r) => setTimeout(r, 3000))]);
    await server.close();
    await getBus().close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop());
}

void main().catch((err: unknown) => {
  process.stderr.write(`replica failed: ${String(err)}\n`);
  process.exit(1);
});

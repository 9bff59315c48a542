/**
 * The local agent service in its own process, for scripts/bench/scale.ts: a full test app (its
 * own PGlite, the scripted model, its own `/api/mcp` for the agent's tools) whose
 * `/local-foundry` the measured app calls, so the measured process runs the app only.
 * Prints `{"url":…}` once listening; answers `cpu` on stdin with its process.cpuUsage().
 * Environment: the parent passes DATA_DIR (shared signing key) and the model's pacing.
 */
import readline from "node:readline";
import { startTestApp } from "../../tests/helpers/app";
import { grantConsentDirectly } from "../../tests/helpers/consent";

async function main() {
  const app = await startTestApp({
    DATA_DIR: process.env.DATA_DIR!,
    LOCAL_MODEL_PACING_MS: process.env.LOCAL_MODEL_PACING_MS ?? "0",
    LOG_LEVEL: "silent",
    CHAT_MESSAGES_PER_MINUTE: "100000",
  });
  await grantConsentDirectly("alice");
  console.log(JSON.stringify({ url: app.url }));
  const lines = readline.createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line === "cpu") console.log(JSON.stringify({ cpu: process.cpuUsage() }));
  });
  // The parent going away (stdin closed) or asking us to stop ends the service.
  const stop = () => void app.close().finally(() => process.exit(0));
  lines.on("close", stop);
  process.on("SIGTERM", stop);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

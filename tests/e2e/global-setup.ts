import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, waitUntilOk } from "../helpers/net";
import { consentAs } from "./consent-setup";

/** Runs a command to its end, its output appended to `logFile`; rejects on a non-zero exit. */
function runToEnd(cmd: string, args: string[], env: NodeJS.ProcessEnv, logFile: string) {
  const out = fs.openSync(logFile, "a");
  return new Promise<void>((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: process.cwd(), stdio: ["ignore", out, out], env });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${cmd} ${args.join(" ")} exited with ${code}; see ${logFile}`)),
    );
  });
}

/**
 * Builds the app for production and starts it (`next start`, embedded defaults, a scratch data
 * dir) on 127.0.0.1:<free port>: what users get, and pages are served at once instead of compiled
 * on first visit as under `next dev`.
 */
export default async function globalSetup(): Promise<void> {
  // Its own build directory, rebuilt every run: a developer's `.next` is never touched and a
  // stale build never tested.
  fs.rmSync(path.join(process.cwd(), ".next-e2e"), { recursive: true, force: true });
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fac-e2e-"));
  const baseUrl = `http://127.0.0.1:${port}`;
  const logFile = path.join(dataDir, "server.log");
  const common = {
    ...process.env,
    NODE_ENV: "production" as const,
    NEXT_TELEMETRY_DISABLED: "1",
    NEXT_DIST_DIR: ".next-e2e",
  };
  try {
    await runToEnd("npx", ["next", "build"], common, logFile);
  } catch (err) {
    process.stderr.write(fs.readFileSync(logFile, "utf8").slice(-4000));
    throw err;
  }
  const log = fs.openSync(logFile, "a");
  const child = spawn("npx", ["next", "start", "-H", "127.0.0.1", "-p", String(port)], {
    cwd: process.cwd(),
    detached: true,
    stdio: ["ignore", log, log],
    env: {
      ...common,
      PORT: String(port),
      APP_URL: baseUrl,
      DATA_DIR: dataDir,
      LOCAL_MODEL_PACING_MS: process.env.E2E_PACING_MS ?? "40",
      LOG_LEVEL: "warn",
      // Embedded defaults in a production build: the local sign-in must be allowed explicitly.
      ALLOW_LOCAL_IDENTITY_IN_PRODUCTION: "true",
    },
  });
  process.env.E2E_BASE_URL = baseUrl;
  process.env.E2E_SERVER_PID = String(child.pid);
  process.env.E2E_DATA_DIR = dataDir;
  try {
    await waitUntilOk(`${baseUrl}/api/ready`, 180_000);
    // The first page answer also warms the server before the first test's clock starts.
    await waitUntilOk(`${baseUrl}/`, 180_000);
    // Everyone but dana has consented to the tools connection (dana's spec walks through it).
    const env = { ...process.env, APP_URL: baseUrl, DATA_DIR: dataDir, PORT: String(port) };
    for (const user of ["alice", "bob", "carol"]) await consentAs(baseUrl, user, env);
  } catch (err) {
    process.stderr.write(fs.readFileSync(logFile, "utf8").slice(-4000));
    throw err;
  }
}

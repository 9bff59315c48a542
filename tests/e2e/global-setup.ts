import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { consentAs } from "./consent-setup";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < until) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
      lastError = new Error(`HTTP ${res.status}`);
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`app did not become ready at ${url}: ${String(lastError)}`);
}

/** Starts the real app (next dev, embedded defaults, a scratch data dir) on 127.0.0.1:<free port>. */
export default async function globalSetup(): Promise<void> {
  // A stale dev cache from earlier runs (other code, other tsconfig) can put Turbopack into a
  // rebuild-and-reload loop; every run starts from a clean build directory.
  fs.rmSync(path.join(process.cwd(), ".next-e2e"), { recursive: true, force: true });
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fac-e2e-"));
  const baseUrl = `http://127.0.0.1:${port}`;
  const log = fs.openSync(path.join(dataDir, "server.log"), "w");
  const child = spawn("npx", ["next", "dev", "-H", "127.0.0.1", "-p", String(port)], {
    cwd: process.cwd(),
    detached: true,
    stdio: ["ignore", log, log],
    env: {
      ...process.env,
      NODE_ENV: "development",
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(port),
      APP_URL: baseUrl,
      DATA_DIR: dataDir,
      LOCAL_MODEL_PACING_MS: process.env.E2E_PACING_MS ?? "40",
      LOG_LEVEL: "warn",
      // A separate build directory so a developer's running `npm run dev` is never disturbed.
      NEXT_DIST_DIR: ".next-e2e",
    },
  });
  process.env.E2E_BASE_URL = baseUrl;
  process.env.E2E_SERVER_PID = String(child.pid);
  process.env.E2E_DATA_DIR = dataDir;
  try {
    await waitFor(`${baseUrl}/api/ready`, 180_000);
    // Compile the pages and routes the tests use before the first test's clock starts.
    await waitFor(`${baseUrl}/`, 180_000);
    // Everyone but dana has consented to the tools connection (dana's spec walks through it).
    const env = { ...process.env, APP_URL: baseUrl, DATA_DIR: dataDir, PORT: String(port) };
    for (const user of ["alice", "bob", "carol"]) await consentAs(baseUrl, user, env);
  } catch (err) {
    process.stderr.write(fs.readFileSync(path.join(dataDir, "server.log"), "utf8").slice(-4000));
    throw err;
  }
}

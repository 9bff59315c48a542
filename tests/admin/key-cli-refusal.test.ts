import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve, type TestServer } from "../helpers/serve";

const run = promisify(execFile);
let app: TestServer;
let dataDir: string;

beforeAll(async () => {
  // Stands in for the running app: only its health check answers.
  app = await serve(async (req) =>
    new URL(req.url).pathname === "/api/health"
      ? Response.json({ status: "ok" })
      : new Response("not found", { status: 404 }),
  );
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fac-mcp-key-refusal-"));
});
afterAll(async () => {
  await app?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("npm run -s mcp-key while the embedded app runs", { timeout: 120_000 }, () => {
  it("refuses and points to the in-app page", async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: "development",
      DATA_DIR: dataDir,
      APP_URL: app.url,
      LOG_LEVEL: "silent",
    };
    delete env.DATABASE_URL;
    const result = await run("npm", ["run", "-s", "mcp-key", "--", "list"], {
      env,
      timeout: 90_000,
    }).then(
      () => ({ code: 0, stderr: "" }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${app.url}/admin/keys`);
    expect(result.stderr).toContain("Admin");
  });
});

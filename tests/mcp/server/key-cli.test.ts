import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetConfig } from "@/lib/config";
import { openDb, setDbHandle, type DbHandle } from "@/lib/db/client";
import { findDemoUser } from "@/lib/identity/local-idp/users";
import { principalForApiKey } from "@/mcp-server/keys/store";
import { APP_ROLES } from "@/mcp-server/policy";
import { createScratchDatabase } from "../../helpers/postgres";

const run = promisify(execFile);
let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let db: DbHandle;
let dataDir: string;

beforeAll(async () => {
  scratch = await createScratchDatabase();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fac-mcp-key-"));
  resetConfig();
  db = await openDb({ kind: "postgres", url: scratch.url });
  setDbHandle(Promise.resolve(db));
});
afterAll(async () => {
  setDbHandle(undefined);
  await db?.close();
  await scratch?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** `npm run -s mcp-key -- …` exactly as documented, against the scratch database. */
async function mcpKey(args: string[]) {
  try {
    const { stdout, stderr } = await run("npm", ["run", "-s", "mcp-key", "--", ...args], {
      env: {
        ...process.env,
        NODE_ENV: "development",
        DATABASE_URL: scratch.url,
        DATA_DIR: dataDir,
        APP_URL: "http://127.0.0.1:9",
        LOG_LEVEL: "silent",
      },
      timeout: 90_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("npm run -s mcp-key", { timeout: 180_000 }, () => {
  it("creates an app key (printed once), lists and revokes it", async () => {
    const created = await mcpKey([
      "create",
      "foundry-project",
      "--role",
      APP_ROLES.read,
      "--role",
      APP_ROLES.write,
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^fac_mcp_[A-Za-z0-9_-]{43}\n$/);
    const key = created.stdout.trim();
    expect(await principalForApiKey(key)).toMatchObject({
      kind: "app",
      username: "key:foundry-project",
      roles: [APP_ROLES.read, APP_ROLES.write],
      token: "",
    });

    const listed = await mcpKey(["list"]);
    expect(listed.stdout).toContain("foundry-project");
    expect(listed.stdout).toContain(key.slice(0, 14));
    expect(listed.stdout).not.toContain(key);

    expect((await mcpKey(["revoke", "foundry-project"])).code).toBe(0);
    expect(await principalForApiKey(key)).toBeUndefined();
  });

  it("creates a key acting as a demo user, and refuses bad usage", async () => {
    const created = await mcpKey(["create", "as-carol", "--as", "carol"]);
    expect(created.code, created.stderr).toBe(0);
    const carol = findDemoUser("carol")!;
    expect(await principalForApiKey(created.stdout.trim())).toMatchObject({
      kind: "user",
      userId: carol.oid,
      roles: carol.roles,
      scopes: ["access_as_user"],
    });

    expect((await mcpKey(["create", "as-carol"])).code).not.toBe(0); // the name is taken
    expect((await mcpKey(["create", "x", "--as", "nobody"])).stderr).toContain('No user "nobody"');
    expect((await mcpKey(["frobnicate"])).code).toBe(2);
  });
});

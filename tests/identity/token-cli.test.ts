import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findDemoUser } from "@/lib/identity/local-idp/users";
import { verifyAccessToken } from "@/lib/identity/verify";
import { useEnv } from "./helpers";

const run = promisify(execFile);
const APP_URL = "http://localhost:3999";
let env: ReturnType<typeof useEnv>;

beforeAll(() => {
  env = useEnv({ APP_URL });
});
afterAll(() => env.restore());

/** `npm run -s token -- …` exactly as a developer types it, against the test's data dir. */
async function token(args: string[], extraEnv: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run("npm", ["run", "-s", "token", "--", ...args], {
      cwd: process.cwd(),
      env: {
        ...process.env,
        NODE_ENV: "development",
        APP_URL,
        DATA_DIR: env.dataDir,
        ENTRA_TENANT_ID: "",
        ENTRA_API_CLIENT_ID: "",
        ...extraEnv,
      },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("npm run -s token", () => {
  it("prints only a token, which the server verifies (same key file, same issuer)", async () => {
    const [api, foundry] = await Promise.all([
      token(["carol"]),
      token(["alice", "--audience", "foundry", "--ttl", "120"]),
    ]);
    expect(api.code).toBe(0);
    expect(api.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const carol = await verifyAccessToken(api.stdout.trim());
    expect(carol).toMatchObject({
      userId: findDemoUser("carol")!.oid,
      roles: ["Approver"],
      scopes: ["access_as_user"],
    });

    expect(foundry.code).toBe(0);
    const alice = await verifyAccessToken(foundry.stdout.trim(), { audience: "foundry" });
    expect(alice.username).toBe("alice@contoso.local");
    const claims = JSON.parse(Buffer.from(foundry.stdout.split(".")[1]!, "base64url").toString());
    expect(claims.exp - claims.iat).toBe(120);
  });

  it("explains an unknown user or an Entra configuration, printing no token", async () => {
    const [unknown, entra, usage] = await Promise.all([
      token(["mallory"]),
      token(["alice"], { ENTRA_TENANT_ID: "t-1", ENTRA_API_CLIENT_ID: "c-1" }),
      token([]),
    ]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stdout).toBe("");
    expect(unknown.stderr).toContain('Unknown demo user "mallory"');
    expect(unknown.stderr).toContain("alice, bob, carol, dana");
    expect(entra.code).not.toBe(0);
    expect(entra.stdout).toBe("");
    expect(entra.stderr).toContain("Entra");
    expect(usage.code).not.toBe(0);
    expect(usage.stderr).toContain("Usage:");
  });
});

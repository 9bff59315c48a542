import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { decodeJwt } from "jose";
import { mintLocalAccessToken, mintLocalAppAccessToken } from "@/lib/identity/local-idp/tokens";
import { resetMcpCallLimiter } from "@/lib/limits/mcp";
import { APP_ROLES } from "@/mcp-server/policy";
import {
  auditRows,
  bearer,
  errorOf,
  mcpClient,
  startMcpServer,
  type McpTestServer,
} from "./harness";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const CALL = { name: "provider_connection_status", arguments: { provider: "gmail" } };

describe.each(["memory", "redis"] as const)("per-caller rate limit (%s)", (store) => {
  let s: McpTestServer;
  let redis: Redis | undefined;
  // A caller of its own per run: Redis windows outlive the test, and other runs may share Redis.
  let caller: { token: string; key: string };
  beforeAll(async () => {
    s = await startMcpServer({ env: store === "redis" ? { REDIS_URL } : {} });
    if (store === "redis") redis = new Redis(REDIS_URL);
    const token = await mintLocalAppAccessToken({
      appId: `rate-test-${randomBytes(6).toString("hex")}`,
      roles: [APP_ROLES.read],
    });
    caller = { token, key: `fac:rl:mcp-call:${String(decodeJwt(token).oid)}` };
  });
  afterAll(async () => {
    await s?.close();
    await redis?.del(caller.key);
    redis?.disconnect();
  });

  it("allows 50 calls a minute and refuses the 51st with a retry time, without running or auditing it", async () => {
    const client = await mcpClient(s.mcpUrl, bearer(caller.token));
    for (let i = 0; i < 50; i++) {
      const result = await client.callTool(CALL);
      expect(result.isError, `call ${i + 1}`).toBeFalsy();
    }
    if (redis) expect(await redis.get(caller.key)).toBe("50");
    const audited = (await auditRows(s.db)).length;

    const err = errorOf((await client.callTool(CALL)) as never);
    expect(err).toMatchObject({ code: "rate_limited", retriable: true });
    expect(err.retry_after_seconds).toBeGreaterThanOrEqual(1);
    expect(err.retry_after_seconds).toBeLessThanOrEqual(60);
    expect((await auditRows(s.db)).length).toBe(audited);
    await client.close();
  });

  it("counts per caller: bob is not limited by that caller's calls", async () => {
    const client = await mcpClient(
      s.mcpUrl,
      bearer(await mintLocalAccessToken({ username: "bob" })),
    );
    expect((await client.callTool(CALL)).isError).toBeFalsy();
    await client.close();
  });

  it(
    store === "redis"
      ? "keeps the window in Redis, so a new replica still refuses"
      : "keeps the window in the process only",
    async () => {
      resetMcpCallLimiter(); // what a second replica (or a restart) starts with
      const client = await mcpClient(s.mcpUrl, bearer(caller.token));
      const result = await client.callTool(CALL);
      if (store === "redis") expect(errorOf(result as never).code).toBe("rate_limited");
      else expect(result.isError).toBeFalsy();
      await client.close();
    },
  );
});

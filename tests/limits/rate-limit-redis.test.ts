import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createRateLimiter } from "@/lib/limits/rate-limit";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/**
 * Regression (CI flake in tests/mcp/server/rate-limit.test.ts): the first call of a new process
 * arrived while its Redis client was still connecting, fell back to the in-process limiter and was
 * missing from the shared window (49 of 50 counted), so another replica let an extra call through.
 */
describe("rate limiter on Redis", () => {
  const clients: Redis[] = [];
  afterAll(() => clients.forEach((c) => c.disconnect()));

  it("first_call_while_connecting_counts_in_the_shared_window", async () => {
    // Built like lib/limits/redis.ts: no offline queue, so a command before `ready` fails fast.
    const client = new Redis(REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    client.on("error", () => undefined);
    clients.push(client);
    expect(client.status).not.toBe("ready");
    const keyPrefix = `fac:test:rl:${randomBytes(6).toString("hex")}`;
    const limiter = createRateLimiter({ points: 5, durationSeconds: 60, keyPrefix, redis: client });

    expect((await limiter.consume("caller")).allowed).toBe(true);

    expect(await client.get(`${keyPrefix}:caller`)).toBe("1");
    await client.del(`${keyPrefix}:caller`);
  });
});

import { Gauge } from "prom-client";
import { getConfig } from "@/lib/config";
import { pingDb } from "@/lib/db/client";
import { limitsRedis } from "@/lib/limits/redis";
import type { Metrics } from "./metrics";

/** A dependency that has not answered in this long counts as down for this scrape. */
const PROBE_TIMEOUT_MS = 2_000;

const withHealth = new WeakSet<Metrics>();

/**
 * `fac_db_up` and `fac_redis_up` (1 = answered a ping, 0 = did not): pinged when scraped, so
 * nothing runs between scrapes. `fac_redis_up` is reported only when REDIS_URL is set.
 */
export function ensureHealthGauges(m: Metrics): void {
  if (withHealth.has(m)) return;
  withHealth.add(m);
  new Gauge({
    name: "fac_db_up",
    help: "Whether the database answered a ping during this scrape (1) or not (0).",
    registers: [m.registry],
    async collect() {
      this.set(await answers(() => pingDb()));
    },
  });
  const redisUrl = getConfig().redisUrl;
  if (!redisUrl) return;
  new Gauge({
    name: "fac_redis_up",
    help: "Whether Redis answered a ping during this scrape (1) or not (0).",
    registers: [m.registry],
    async collect() {
      this.set(await answers(() => limitsRedis(redisUrl).ping()));
    },
  });
}

async function answers(probe: () => Promise<unknown>): Promise<0 | 1> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), PROBE_TIMEOUT_MS);
  });
  try {
    await Promise.race([probe(), timeout]);
    return 1;
  } catch {
    return 0;
  } finally {
    clearTimeout(timer);
  }
}

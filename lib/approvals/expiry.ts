import type { ApprovalRow } from "@/lib/db/schema";
import { logger } from "@/lib/log";
import { expireDue } from "./store";

type OnExpired = (rows: ApprovalRow[]) => Promise<void>;

const KEY = Symbol.for("foundry-agent-chat.approvals.sweep");
type Holder = { [KEY]?: ReturnType<typeof setInterval> };

/**
 * Every `intervalMs`, pending requests past their expiry become `expired` and `onExpired` ends
 * what waited for them. Safe on several replicas: each row is expired by one UPDATE.
 */
export function startApprovalSweep(intervalMs: number, onExpired: OnExpired): void {
  const g = globalThis as Holder;
  if (g[KEY]) return;
  let running = false;
  g[KEY] = setInterval(() => {
    if (running) return;
    running = true;
    void sweepOnce(onExpired).finally(() => (running = false));
  }, intervalMs);
  g[KEY].unref?.();
}

export function stopApprovalSweep(): void {
  const g = globalThis as Holder;
  if (g[KEY]) clearInterval(g[KEY]);
  delete g[KEY];
}

export async function sweepOnce(onExpired: OnExpired): Promise<number> {
  try {
    const rows = await expireDue();
    if (rows.length > 0) {
      logger().info({ expired: rows.length }, "approval requests expired");
      await onExpired(rows);
    }
    return rows.length;
  } catch (err) {
    logger().warn({ err }, "approval expiry sweep failed");
    return 0;
  }
}

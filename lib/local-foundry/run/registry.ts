/**
 * Responses running in this process, so that `POST /responses/{id}/cancel` can stop one.
 * Kept on globalThis because Next may load this module once per route bundle.
 */
interface ActiveRun {
  controller: AbortController;
  done: Promise<unknown>;
}

const KEY = Symbol.for("foundry-agent-chat.local-foundry.active-runs");
type Holder = { [KEY]?: Map<string, ActiveRun> };

function runs(): Map<string, ActiveRun> {
  const g = globalThis as Holder;
  g[KEY] ??= new Map();
  return g[KEY];
}

export function registerRun(id: string, controller: AbortController, done: Promise<unknown>): void {
  runs().set(id, { controller, done });
  void done.finally(() => runs().delete(id)).catch(() => undefined);
}

/** Aborts the run and waits until it has recorded its outcome; false when it is not running here. */
export async function cancelRun(id: string): Promise<boolean> {
  const run = runs().get(id);
  if (!run) return false;
  run.controller.abort(new Error("cancelled"));
  await run.done.catch(() => undefined);
  return true;
}

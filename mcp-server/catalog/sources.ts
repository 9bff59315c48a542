import { logger } from "@/lib/log";
import type { ToolDefinition } from "./types";

/**
 * A configured origin of tools that are not known at build time: an OpenAPI document, an
 * upstream MCP server, Composio's toolkits. Its tools join the built-in ones in the catalog and
 * then go through exactly the same policy, ledger, limits and audit.
 */
export interface ToolSource {
  /** Stable id, shown to admins and in logs, e.g. `openapi:crm`, `mcp:github`, `composio`. */
  id: string;
  /** Lists the source's tools (names must already carry the source's prefix). */
  load(signal: AbortSignal): Promise<ToolDefinition[]>;
  /** How long a successful listing stays fresh; absent: loaded once per process. */
  refreshMs?: number;
}

/** What admins see of a source. */
export interface ToolSourceStatus {
  id: string;
  state: "loading" | "ready" | "failed";
  tools: number;
  loadedAt?: Date;
  /** Why the last load failed (no secrets: messages come from our own code or HTTP statuses). */
  error?: string;
}

/** A first listing waits this long; a source that does not answer is skipped, not awaited forever. */
export const SOURCE_LOAD_TIMEOUT_MS = 10_000;
/** After a failed listing, the next attempt waits this long (requests do not hammer a dead source). */
export const SOURCE_RETRY_AFTER_MS = 30_000;

interface SourceState {
  source: ToolSource;
  tools: readonly ToolDefinition[];
  loadedAt?: Date;
  failedAt?: Date;
  error?: string;
  inFlight?: Promise<void>;
}

// Next bundles modules per route, so the loaded state lives on globalThis: one per process.
const KEY = Symbol.for("foundry-agent-chat.mcp.tool-sources");
type Holder = { [KEY]?: { states: Map<string, SourceState>; version: number } };

function holder(): { states: Map<string, SourceState>; version: number } {
  const g = globalThis as Holder;
  g[KEY] ??= { states: new Map(), version: 0 };
  return g[KEY];
}

function states(): Map<string, SourceState> {
  return holder().states;
}

/** Changes whenever some source's tools change (the catalog caches its merged list by it). */
export function toolSourcesVersion(): number {
  return holder().version;
}

/** Installs the sources to load (start-up, from configuration; tests, their own). */
export function setToolSources(sources: readonly ToolSource[]): void {
  const ids = new Set<string>();
  for (const s of sources) {
    if (ids.has(s.id)) throw new Error(`Two tool sources share the id ${s.id}.`);
    ids.add(s.id);
  }
  const map = states();
  map.clear();
  for (const source of sources) map.set(source.id, { source, tools: [] });
  holder().version += 1;
}

export function toolSourcesInstalled(): boolean {
  return (globalThis as Holder)[KEY] !== undefined;
}

/**
 * Loads every source that needs it. A source never listed, or listed and then failed past its
 * retry delay, is awaited (bounded by SOURCE_LOAD_TIMEOUT_MS); a fresh-enough source is left
 * alone; a stale one is refreshed in the background while its last tools keep serving.
 */
export async function refreshToolSources(now: number = Date.now()): Promise<void> {
  const waits: Promise<void>[] = [];
  for (const state of states().values()) {
    if (state.inFlight) {
      if (!state.loadedAt) waits.push(state.inFlight);
      continue;
    }
    if (!needsLoad(state, now)) continue;
    state.inFlight = loadOne(state).finally(() => (state.inFlight = undefined));
    if (!state.loadedAt) waits.push(state.inFlight);
  }
  await Promise.all(waits);
}

function needsLoad(state: SourceState, now: number): boolean {
  if (state.failedAt && now - state.failedAt.getTime() < SOURCE_RETRY_AFTER_MS) return false;
  if (!state.loadedAt) return true;
  const { refreshMs } = state.source;
  return refreshMs !== undefined && now - state.loadedAt.getTime() >= refreshMs;
}

async function loadOne(state: SourceState): Promise<void> {
  const signal = AbortSignal.timeout(SOURCE_LOAD_TIMEOUT_MS);
  try {
    const tools = await Promise.race([
      state.source.load(signal),
      new Promise<never>((_, reject) =>
        signal.addEventListener("abort", () =>
          reject(new Error(`no answer within ${SOURCE_LOAD_TIMEOUT_MS / 1000} s`)),
        ),
      ),
    ]);
    state.tools = tools.filter((t) => {
      if (t.provider !== state.source.id)
        logger().warn(
          { source: state.source.id, tool: t.name },
          "tool source returned a tool of another provider; skipped",
        );
      return t.provider === state.source.id;
    });
    state.loadedAt = new Date();
    holder().version += 1;
    state.failedAt = undefined;
    state.error = undefined;
    logger().info({ source: state.source.id, tools: state.tools.length }, "tool source loaded");
  } catch (err) {
    state.failedAt = new Date();
    state.error = err instanceof Error ? err.message : String(err);
    // A failed refresh keeps the last good listing; only a source never listed has no tools.
    logger().warn({ source: state.source.id, err }, "tool source could not be loaded");
  }
}

/** The ids of the installed sources (loaded or not). */
export function toolSourceIds(): Set<string> {
  return new Set(states().keys());
}

/** Every loaded source's tools, in source order. */
export function sourcedTools(): ToolDefinition[] {
  return [...states().values()].flatMap((s) => s.tools);
}

export function toolSourceStatus(): ToolSourceStatus[] {
  return [...states().values()].map((s) => ({
    id: s.source.id,
    state: s.loadedAt ? "ready" : s.failedAt ? "failed" : "loading",
    tools: s.tools.length,
    ...(s.loadedAt ? { loadedAt: s.loadedAt } : {}),
    ...(s.error ? { error: s.error } : {}),
  }));
}

/**
 * Short-lived state of the local IdP (pending sign-in forms, authorization codes, refresh tokens).
 * Kept in process memory on globalThis: the embedded mode is a single process, and a restart only
 * costs a fresh sign-in. Scaled-out deployments use Entra, which keeps this state itself.
 */
export class TtlStore<T> {
  private readonly entries = new Map<string, { value: T; expiresAt: number }>();

  constructor(private readonly maxEntries = 10_000) {}

  set(key: string, value: T, ttlMs: number): void {
    if (this.entries.size >= this.maxEntries) this.sweep();
    // Still full of live entries: drop the oldest rather than grow without bound.
    if (this.entries.size >= this.maxEntries)
      this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { value, expiresAt: Date.now() + ttlMs });
  }

  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Returns the value and removes it: the one-time use of codes, form tokens and refresh tokens. */
  take(key: string): T | undefined {
    const value = this.get(key);
    this.entries.delete(key);
    return value;
  }

  clear(): void {
    this.entries.clear();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [k, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(k);
  }
}

/** One named store per process, shared by every route bundle that imports this module. */
export function processStore<T>(name: string, maxEntries?: number): TtlStore<T> {
  const key = Symbol.for(`foundry-agent-chat.local-idp.${name}`);
  const g = globalThis as unknown as Record<symbol, TtlStore<T> | undefined>;
  g[key] ??= new TtlStore<T>(maxEntries);
  return g[key];
}

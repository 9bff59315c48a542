/**
 * Defensive readers for upstream JSON. The normalizer must never throw on what the agent service
 * sends (new fields, missing fields, garbage), so every access goes through these.
 */
export type Obj = Record<string, unknown>;

export function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function objects(value: unknown): Obj[] {
  return arr(value).filter(isObj);
}

/** Strings pass through; structured values become JSON (what a UI can pretty-print). */
export function asText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value);
  } catch {
    // Circular or BigInt values: a lossy description beats a crash.
    return String(value);
  }
}

/** Drops undefined fields so drafts serialize and compare the same way they validate. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export interface ArgumentBounds {
  /** Deepest nesting of objects and arrays; the arguments object itself is level 1. */
  maxDepth: number;
  /** UTF-8 bytes of the arguments as compact JSON. */
  maxBytes: number;
}

export type BoundsVerdict = { ok: true } | { ok: false; message: string };

// NUL, or a UTF-16 surrogate without its partner: neither has a place in text a tool may store.
const NUL = /\u0000/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, "g");

/** The text with NUL and unpaired surrogates replaced by U+FFFD (String#toWellFormed, plus NUL). */
export function printableText(text: string): string {
  return text.replace(LONE_SURROGATES, "\uFFFD").replace(/\u0000/g, "\uFFFD");
}

/** Where a string breaks the rules, described for the caller (undefined when it is fine). */
export function badTextReason(text: string): string | undefined {
  if (NUL.test(text)) return "contains a NUL character (\\u0000)";
  if (LONE_SURROGATE.test(text)) return "contains an unpaired UTF-16 surrogate";
  return undefined;
}

/**
 * Checks tool arguments before anything recursive (zod, the canonical-JSON hash, the tool) sees
 * them. The walk keeps its own stack, so an argument nested a million levels deep is refused
 * here instead of overflowing the call stack; it stops at the first level past `maxDepth`.
 * Keys and string values must be well-formed text without NUL (PostgreSQL cannot store either,
 * and no provider wants them). The size is measured last, once the depth is known to be small.
 */
export function checkArgumentBounds(args: unknown, bounds: ArgumentBounds): BoundsVerdict {
  const stack: { value: unknown; depth: number; path: string }[] = [
    { value: args, depth: 1, path: "arguments" },
  ];
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (typeof value === "string") {
      const reason = badTextReason(value);
      if (reason) return { ok: false, message: `${path} ${reason}.` };
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    if (depth > bounds.maxDepth)
      return {
        ok: false,
        message: `The arguments are nested more than ${bounds.maxDepth} levels deep.`,
      };
    const entries: [string, unknown][] = Array.isArray(value)
      ? value.map((v, i) => [String(i), v])
      : Object.entries(value);
    for (const [key, child] of entries) {
      const reason = Array.isArray(value) ? undefined : badTextReason(key);
      if (reason) return { ok: false, message: `A property name in ${path} ${reason}.` };
      stack.push({ value: child, depth: depth + 1, path: `${path}.${shortKey(key)}` });
    }
  }
  const bytes = Buffer.byteLength(JSON.stringify(args ?? {}), "utf8");
  if (bytes > bounds.maxBytes)
    return {
      ok: false,
      message: `The arguments are ${bytes} bytes as JSON; the limit is ${bounds.maxBytes}.`,
    };
  return { ok: true };
}

/** Property names go into messages; a hostile one must not make them huge or unreadable. */
function shortKey(key: string): string {
  const clean = key.replace(/[^\x20-\x7e]/g, "?");
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}

/**
 * Text the database cannot store (PostgreSQL refuses U+0000 in text and jsonb, and an unpaired
 * UTF-16 surrogate cannot be encoded as UTF-8), and JSON nested deeper than anything we accept.
 * Input carrying either is refused at the door with a 400 instead of failing deep inside a write
 * or overflowing the stack in a recursive validator.
 */
const NUL = /\u0000/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, "g");

/** Why a string cannot be stored, in words for the caller; undefined when it can. */
export function badTextReason(text: string): string | undefined {
  if (NUL.test(text)) return "contains a NUL character (\\u0000)";
  if (LONE_SURROGATE.test(text)) return "contains an unpaired UTF-16 surrogate";
  return undefined;
}

export function isStorableText(s: string): boolean {
  return badTextReason(s) === undefined;
}

/** The text with NUL and unpaired surrogates replaced by U+FFFD (String#toWellFormed, plus NUL). */
export function printableText(text: string): string {
  return text.replace(LONE_SURROGATES, "\uFFFD").replace(/\u0000/g, "\uFFFD");
}

export interface JsonProblem {
  kind: "depth" | "text";
  /** e.g. `messages.2.text`; a bad property name ends in `(key)`. */
  path: string;
  message: string;
}

/**
 * The first problem in a parsed JSON value: nesting past `maxDepth` (the value itself is level 1)
 * or a string — keys included — that cannot be stored. The walk keeps its own stack, so a value
 * nested a million levels deep is refused here instead of overflowing the call stack.
 */
export function inspectJson(
  value: unknown,
  maxDepth: number,
  root: string[] = [],
): JsonProblem | undefined {
  const stack: { value: unknown; depth: number; path: string[] }[] = [
    { value, depth: 1, path: root },
  ];
  while (stack.length > 0) {
    const top = stack.pop()!;
    if (typeof top.value === "string") {
      const reason = badTextReason(top.value);
      if (reason) return { kind: "text", path: top.path.join("."), message: reason };
      continue;
    }
    if (top.value === null || typeof top.value !== "object") continue;
    if (top.depth > maxDepth)
      return {
        kind: "depth",
        path: top.path.join("."),
        message: `is nested more than ${maxDepth} levels deep`,
      };
    const isArray = Array.isArray(top.value);
    const entries: [string, unknown][] = isArray
      ? (top.value as unknown[]).map((v, i) => [String(i), v])
      : Object.entries(top.value);
    // Pushed in reverse so the first offending entry, in document order, is reported.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      const keyReason = isArray ? undefined : badTextReason(key);
      if (keyReason)
        return { kind: "text", path: [...top.path, "(key)"].join("."), message: keyReason };
      stack.push({ value: child, depth: top.depth + 1, path: [...top.path, shortKey(key)] });
    }
  }
  return undefined;
}

/** Property names go into messages; a hostile one must not make them huge or unreadable. */
function shortKey(key: string): string {
  const clean = key.replace(/[^\x20-\x7e]/g, "?");
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}

export const UNSTORABLE_TEXT_MESSAGE =
  "Contains characters that cannot be stored (a NUL character or a broken Unicode character).";

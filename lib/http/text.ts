/**
 * Text the database cannot store (PostgreSQL refuses U+0000 in text and jsonb, and an unpaired
 * UTF-16 surrogate cannot be encoded as UTF-8). Input carrying it is refused at the door with a
 * 400 instead of failing deep inside a write.
 */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isStorableText(s: string): boolean {
  return !UNSTORABLE.test(s);
}

/**
 * The path (e.g. `messages.2.text`, or the key itself) of the first string in `value` — keys
 * included — that cannot be stored; undefined when every string can.
 */
export function findUnstorableText(
  value: unknown,
  path: (string | number)[] = [],
): string | undefined {
  if (typeof value === "string") return isStorableText(value) ? undefined : path.join(".");
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = findUnstorableText(v, [...path, i]);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (!isStorableText(k)) return [...path, "(key)"].join(".");
      const found = findUnstorableText(v, [...path, k]);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

export const UNSTORABLE_TEXT_MESSAGE =
  "Contains characters that cannot be stored (a NUL character or a broken Unicode character).";

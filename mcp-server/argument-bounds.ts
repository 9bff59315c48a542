import { inspectJson } from "@/lib/http/text";

export interface ArgumentBounds {
  /** Deepest nesting of objects and arrays; the arguments object itself is level 1. */
  maxDepth: number;
  /** UTF-8 bytes of the arguments as compact JSON. */
  maxBytes: number;
}

export type BoundsVerdict = { ok: true } | { ok: false; message: string };

/**
 * Checks tool arguments before anything recursive (zod, the canonical-JSON hash, the tool) sees
 * them. The walk keeps its own stack, so an argument nested a million levels deep is refused
 * here instead of overflowing the call stack; it stops at the first level past `maxDepth`.
 * Keys and string values must be well-formed text without NUL (PostgreSQL cannot store either,
 * and no provider wants them). The size is measured last, once the depth is known to be small.
 */
export function checkArgumentBounds(args: unknown, bounds: ArgumentBounds): BoundsVerdict {
  const problem = inspectJson(args, bounds.maxDepth, ["arguments"]);
  if (problem?.kind === "depth")
    return {
      ok: false,
      message: `The arguments are nested more than ${bounds.maxDepth} levels deep.`,
    };
  if (problem) return { ok: false, message: `${problem.path} ${problem.message}.` };
  const bytes = Buffer.byteLength(JSON.stringify(args ?? {}), "utf8");
  if (bytes > bounds.maxBytes)
    return {
      ok: false,
      message: `The arguments are ${bytes} bytes as JSON; the limit is ${bounds.maxBytes}.`,
    };
  return { ok: true };
}

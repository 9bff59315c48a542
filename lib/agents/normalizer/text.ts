import { draft } from "@/lib/chat/events";
import { objects, str } from "./read";
import { unchanged, type NormalizerState, type Step, type TextProgress } from "./state";

const EMPTY: TextProgress = { parts: [], emitted: "" };

export function textDelta(
  state: NormalizerState,
  itemId: string | undefined,
  delta: string | undefined,
): Step {
  if (!itemId || !delta) return unchanged(state);
  return { state, events: [draft("text.delta", { itemId, delta })] };
}

/**
 * `text.done` carries the item's whole text so far: a message with several content parts gets
 * one `text.done` per part, each the concatenation of the parts done so far (the UI replaces).
 */
export function textPartDone(
  state: NormalizerState,
  itemId: string | undefined,
  index: number,
  text: string | undefined,
): Step {
  if (!itemId || text === undefined || index < 0) return unchanged(state);
  const progress = state.text[itemId] ?? EMPTY;
  const parts = Array.from({ length: Math.max(progress.parts.length, index + 1) }, (_, i) =>
    i === index ? text : (progress.parts[i] ?? ""),
  );
  return emitFull(state, itemId, { ...progress, parts }, parts.join(""));
}

/** A finished message item: emits `text.done` only if its text differs from what was emitted. */
export function messageDone(state: NormalizerState, itemId: string, content: unknown): Step {
  const full = objects(content)
    .map((part) => str(part.text) ?? str(part.refusal) ?? "")
    .join("");
  // An item copy without content (some services trim it) must not wipe streamed text.
  if (full === "") return unchanged(state);
  return emitFull(state, itemId, state.text[itemId] ?? EMPTY, full);
}

function emitFull(
  state: NormalizerState,
  itemId: string,
  progress: TextProgress,
  full: string,
): Step {
  const next = { ...state, text: { ...state.text, [itemId]: { ...progress, emitted: full } } };
  if (full === progress.emitted) return { state: next, events: [] };
  return { state: next, events: [draft("text.done", { itemId, text: full })] };
}

import { draft } from "@/lib/chat/events";
import { citeParts } from "./citations";
import { arr, isObj, objects, str } from "./read";
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

function withAt<T>(list: readonly T[], index: number, value: T, fill: T): T[] {
  return Array.from({ length: Math.max(list.length, index + 1) }, (_, i) =>
    i === index ? value : (list[i] ?? fill),
  );
}

/**
 * `text.done` carries the item's whole text so far: a message with several content parts gets
 * one `text.done` per part, each the concatenation of the parts done so far (the UI replaces).
 * `annotations` are the part's own (`content_part.done`); without them, those that came on
 * `response.output_text.annotation.added` events are used.
 */
export function textPartDone(
  state: NormalizerState,
  itemId: string | undefined,
  index: number,
  text: string | undefined,
  annotations?: readonly unknown[],
): Step {
  if (!itemId || text === undefined || index < 0) return unchanged(state);
  const progress = state.text[itemId] ?? EMPTY;
  const parts = withAt(progress.parts, index, text, "");
  const known = progress.annotations ?? [];
  const next =
    annotations && annotations.length > 0 ? withAt(known, index, annotations, []) : known;
  return emitFull(state, itemId, { ...progress, parts, annotations: next });
}

/** `response.output_text.annotation.added`: kept for the part's `text.done`. */
export function annotationAdded(
  state: NormalizerState,
  itemId: string | undefined,
  contentIndex: number,
  annotationIndex: number | undefined,
  annotation: unknown,
): Step {
  if (!itemId || contentIndex < 0 || !isObj(annotation)) return unchanged(state);
  const progress = state.text[itemId] ?? EMPTY;
  const known = progress.annotations ?? [];
  const current = known[contentIndex] ?? [];
  const at =
    annotationIndex !== undefined && annotationIndex >= 0 ? annotationIndex : current.length;
  const annotations = withAt(known, contentIndex, withAt(current, at, annotation, null), []);
  return unchanged({ ...state, text: { ...state.text, [itemId]: { ...progress, annotations } } });
}

/**
 * A finished message item: emits `text.done` only if its text or citations differ from what was
 * emitted. Parts carry their own annotations; a part without any keeps those already seen.
 */
export function messageDone(state: NormalizerState, itemId: string, content: unknown): Step {
  const items = objects(content);
  const parts = items.map((part) => str(part.text) ?? str(part.refusal) ?? "");
  // An item copy without content (some services trim it) must not wipe streamed text.
  if (parts.join("") === "") return unchanged(state);
  const progress = state.text[itemId] ?? EMPTY;
  const known = progress.annotations ?? [];
  const annotations = items.map((part, i) => {
    const own = arr(part.annotations);
    return own.length > 0 ? own : (known[i] ?? []);
  });
  return emitFull(state, itemId, { ...progress, parts, annotations });
}

function emitFull(state: NormalizerState, itemId: string, progress: TextProgress): Step {
  const annotations = progress.annotations ?? [];
  const cited = citeParts(
    progress.parts.map((text, i) => ({
      text,
      annotations: (annotations[i] ?? []).filter((a) => a !== null),
    })),
  );
  const citations = cited.citations.length > 0 ? JSON.stringify(cited.citations) : undefined;
  const next = {
    ...state,
    text: {
      ...state.text,
      [itemId]: { ...progress, emitted: cited.text, emittedCitations: citations },
    },
  };
  if (cited.text === progress.emitted && citations === progress.emittedCitations)
    return { state: next, events: [] };
  return {
    state: next,
    events: [
      draft(
        "text.done",
        cited.citations.length > 0
          ? { itemId, text: cited.text, citations: cited.citations }
          : { itemId, text: cited.text },
      ),
    ],
  };
}

/**
 * Citations: `url_citation`, `file_citation` and `container_file_citation` annotations (OpenAI
 * Responses and Foundry), and the Assistants-style raw markers Foundry models write into the
 * text (`【6:0†source】`, `【4:0†report.pdf】`). Raw markers never reach the browser: each becomes
 * a numbered reference `[n]` matched to the citation list, or disappears when nothing matches.
 * A file citation that only gives a position (`index`) gets its `[n]` inserted there.
 */
import type { Citation } from "@/lib/chat/events";
import { isObj, nonEmpty, num, type Obj } from "./read";

/** One content part as the service sent it. */
export interface RawPart {
  text: string;
  annotations: readonly unknown[];
}

export interface CitedText {
  text: string;
  citations: Citation[];
}

type Source = Omit<Citation, "startIndex" | "endIndex">;

interface Annotation {
  key: string;
  source: Source;
  /** The span it covers in the part's text (url / container citations, Assistants style). */
  start?: number;
  end?: number;
  /** A position only (Responses-style file citation). */
  index?: number;
  /** Assistants-style annotations repeat the marker they stand for. */
  marker?: string;
}

/** `【…†…】` or `【6:0】`: what the models write; bounded so a stray `【` cannot swallow text. */
export const RAW_MARKER = /【(?:[^【】\n]{0,200}†[^【】\n]{0,200}|\d+(?::\d+)*)】/g;

/** A `【` near the end of streamed text that is not closed yet. */
export const PARTIAL_MARKER = /【[^【】\n]{0,400}$/;

function httpUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname || url;
  } catch {
    return url;
  }
}

function fileSource(fileId: string | undefined, filename: string | undefined): Source | null {
  const title = filename ?? fileId;
  if (!title) return null;
  return {
    kind: "file",
    title,
    ...(fileId ? { fileId } : {}),
    ...(filename ? { filename } : {}),
  };
}

function sourceOf(a: Obj): { key: string; source: Source } | null {
  switch (a.type) {
    case "url_citation": {
      const nested = isObj(a.url_citation) ? a.url_citation : {};
      const raw = nonEmpty(a.url) ?? nonEmpty(nested.url);
      const url = httpUrl(raw);
      const title = nonEmpty(a.title) ?? nonEmpty(nested.title) ?? (url ? hostOf(url) : undefined);
      if (!title) return null;
      return {
        key: `u:${url ?? title}`,
        source: url ? { kind: "url", title, url } : { kind: "url", title },
      };
    }
    case "file_citation":
    case "container_file_citation": {
      const nested = isObj(a.file_citation) ? a.file_citation : {};
      const fileId = nonEmpty(a.file_id) ?? nonEmpty(nested.file_id);
      const filename = nonEmpty(a.filename) ?? nonEmpty(nested.filename);
      const source = fileSource(fileId, filename);
      return source ? { key: `f:${fileId ?? filename}`, source } : null;
    }
    default:
      return null;
  }
}

function parseAnnotation(value: unknown): Annotation | null {
  if (!isObj(value)) return null;
  const found = sourceOf(value);
  if (!found) return null;
  const start = num(value.start_index);
  const end = num(value.end_index);
  const index = num(value.index);
  const marker = nonEmpty(value.text);
  return {
    ...found,
    ...(start !== undefined && end !== undefined && end >= start ? { start, end } : {}),
    ...(index !== undefined ? { index } : {}),
    ...(marker ? { marker } : {}),
  };
}

interface Insertion {
  /** Range of the part's text replaced (empty for an inserted reference). */
  from: number;
  to: number;
  key: string | null;
}

function labelOf(marker: string): string {
  const dagger = marker.indexOf("†");
  return dagger < 0
    ? ""
    : marker
        .slice(dagger + 1, -1)
        .trim()
        .toLowerCase();
}

/** Where in one part's text each citation is referenced, and which raw markers go. */
function insertionsOf(text: string, annotations: Annotation[]): Insertion[] {
  const bound = new Set<Annotation>();
  const insertions: Insertion[] = [];
  const markers = [...text.matchAll(RAW_MARKER)].map((m) => ({
    from: m.index,
    to: m.index + m[0].length,
    text: m[0],
  }));
  const unmatched: typeof markers = [];
  for (const m of markers) {
    const a = annotations.find(
      (x) =>
        x.marker === m.text ||
        (x.start !== undefined && x.end !== undefined && x.start < m.to && m.from < x.end) ||
        (x.index !== undefined && x.index >= m.from && x.index < m.to),
    );
    if (a) {
      bound.add(a);
      insertions.push({ from: m.from, to: m.to, key: a.key });
    } else unmatched.push(m);
  }
  for (const m of unmatched) {
    // No annotation covers it: match by the label (`†report.pdf`), else the next unused one.
    const label = labelOf(m.text);
    const a =
      annotations.find(
        (x) =>
          label &&
          (x.source.filename?.toLowerCase() === label || x.source.title.toLowerCase() === label),
      ) ?? annotations.find((x) => !bound.has(x) && x.start === undefined && x.index === undefined);
    if (a) bound.add(a);
    insertions.push({ from: m.from, to: m.to, key: a?.key ?? null });
  }
  for (const a of annotations) {
    if (bound.has(a) || a.index === undefined) continue;
    const at = Math.min(Math.max(0, a.index), text.length);
    insertions.push({ from: at, to: at, key: a.key });
  }
  return insertions.sort((x, y) => x.from - y.from || x.to - y.to);
}

/**
 * The message's text with references in place of raw markers, and the sources it cites, numbered
 * in reading order (sources only listed, never placed in the text, come after).
 */
export function citeParts(parts: readonly RawPart[]): CitedText {
  const numbers = new Map<string, number>();
  const sources = new Map<string, Source>();
  const positions = new Map<string, { startIndex: number; endIndex: number }>();
  let out = "";
  const parsedParts = parts.map((p) => ({
    text: p.text,
    annotations: p.annotations.map(parseAnnotation).filter((a): a is Annotation => a !== null),
  }));
  for (const part of parsedParts) {
    for (const a of part.annotations) if (!sources.has(a.key)) sources.set(a.key, a.source);
  }
  for (const part of parsedParts) {
    let cursor = 0;
    let lastRef: { at: number; key: string } | null = null;
    for (const ins of insertionsOf(part.text, part.annotations)) {
      if (ins.from < cursor) continue; // overlapping markers: the first one wins
      out += part.text.slice(cursor, ins.from);
      cursor = ins.to;
      if (!ins.key) continue;
      if (lastRef && lastRef.key === ins.key && lastRef.at === out.length) continue;
      out = out.replace(/[ \t]+$/, "");
      if (!numbers.has(ins.key)) numbers.set(ins.key, numbers.size + 1);
      const ref = `[${numbers.get(ins.key)}]`;
      if (!positions.has(ins.key))
        positions.set(ins.key, { startIndex: out.length, endIndex: out.length + ref.length });
      out += ref;
      lastRef = { at: out.length, key: ins.key };
    }
    out += part.text.slice(cursor);
  }
  for (const key of sources.keys()) if (!numbers.has(key)) numbers.set(key, numbers.size + 1);
  const citations = [...numbers.entries()]
    .sort((x, y) => x[1] - y[1])
    .map(([key]) => ({ ...sources.get(key)!, ...positions.get(key) }));
  return { text: out, citations };
}

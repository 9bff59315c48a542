/**
 * Citations in an answer's text (browser side). The normalizer replaces raw `【6:0†source】`
 * markers with `[n]` on `text.done`; streamed deltas still carry the raw markers, so they are
 * hidden here, and so is a trailing marker that has not finished arriving.
 */
import type { Citation } from "@/lib/chat/events";

/** Same shapes as the normalizer's: `【…†…】` or `【6:0】`. */
const RAW_MARKER = /【(?:[^【】\n]{0,200}†[^【】\n]{0,200}|\d+(?::\d+)*)】/g;
const PARTIAL_MARKER = /【[^【】\n]{0,400}$/;

/** The text to render: never a raw marker, and while streaming no half-arrived one. */
export function visibleText(text: string, streaming: boolean): string {
  const clean = text.replace(RAW_MARKER, "");
  return streaming ? clean.replace(PARTIAL_MARKER, "") : clean;
}

/** Only http(s) links are ever rendered. */
export function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** The in-page anchor of a citation's entry in the Sources list. */
export function sourceAnchor(idPrefix: string, n: number): string {
  return `${idPrefix}-source-${n}`;
}

/** The href a `[n]` reference is rendered with, before the link component resolves it. */
export const CITE_HREF_PREFIX = "#cite-";

export function citationLabel(citation: Citation, n: number): string {
  return `Source ${n}: ${citation.title}`;
}

// Minimal mdast shapes: the plugin touches text nodes only, never code, links or raw HTML.
interface MdNode {
  type: string;
  value?: string;
  url?: string;
  children?: MdNode[];
}

const SKIP = new Set(["link", "linkReference", "code", "inlineCode", "html", "definition"]);
const REFERENCE = /\[(\d{1,3})\](?![(:[])/g;

function splitText(node: MdNode, count: number): MdNode[] {
  const value = node.value ?? "";
  const out: MdNode[] = [];
  let cursor = 0;
  for (const match of value.matchAll(REFERENCE)) {
    const n = Number(match[1]);
    if (n < 1 || n > count) continue;
    if (match.index > cursor) out.push({ type: "text", value: value.slice(cursor, match.index) });
    out.push({
      type: "link",
      url: `${CITE_HREF_PREFIX}${n}`,
      children: [{ type: "text", value: String(n) }],
    });
    cursor = match.index + match[0].length;
  }
  if (cursor === 0) return [node];
  if (cursor < value.length) out.push({ type: "text", value: value.slice(cursor) });
  return out;
}

function walk(node: MdNode, count: number): void {
  if (!node.children) return;
  node.children = node.children.flatMap((child) => {
    if (child.type === "text") return splitText(child, count);
    if (!SKIP.has(child.type)) walk(child, count);
    return [child];
  });
}

/** A remark plugin: `[n]` (n within the citation list) becomes a link to citation n. */
export function remarkCitations(count: number) {
  return () => (tree: unknown) => {
    if (count > 0) walk(tree as MdNode, count);
  };
}

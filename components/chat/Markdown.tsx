"use client";

import { useMemo, type ComponentProps } from "react";
import { defaultComponents, defaultRemarkPlugins, Streamdown, type ExtraProps } from "streamdown";
import type { Citation } from "@/lib/chat/events";
import {
  CITE_HREF_PREFIX,
  citationLabel,
  remarkCitations,
  safeUrl,
  sourceAnchor,
  visibleText,
} from "./blocks/citations";

const DefaultLink = defaultComponents.a;

/**
 * Agent answers as Markdown (GFM tables, code blocks), rendered safely while they stream.
 * `[n]` references to `citations` render as small superscript links (a web source opens in a
 * new tab, a file jumps to its entry in the Sources list); raw `【…†…】` markers never show.
 */
export function Markdown({
  text,
  streaming,
  citations,
  idPrefix = "answer",
}: {
  text: string;
  streaming: boolean;
  citations?: Citation[];
  idPrefix?: string;
}) {
  const count = citations?.length ?? 0;
  const remarkPlugins = useMemo(
    () => [...Object.values(defaultRemarkPlugins), remarkCitations(count)],
    [count],
  );
  const components = useMemo(
    () => ({
      a: (props: ComponentProps<"a"> & ExtraProps) => {
        const n = citationNumber(props.href);
        const citation = n !== undefined ? citations?.[n - 1] : undefined;
        if (n === undefined || !citation) return <DefaultLink {...props} />;
        return <CitationRef citation={citation} n={n} idPrefix={idPrefix} />;
      },
    }),
    [citations, idPrefix],
  );
  return (
    <div className="markdown text-[15px] leading-relaxed">
      <Streamdown isAnimating={streaming} remarkPlugins={remarkPlugins} components={components}>
        {visibleText(text, streaming)}
      </Streamdown>
    </div>
  );
}

function citationNumber(href: string | undefined): number | undefined {
  if (!href?.startsWith(CITE_HREF_PREFIX)) return undefined;
  const n = Number(href.slice(CITE_HREF_PREFIX.length));
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

function CitationRef({
  citation,
  n,
  idPrefix,
}: {
  citation: Citation;
  n: number;
  idPrefix: string;
}) {
  const url = citation.kind === "url" ? safeUrl(citation.url) : undefined;
  const className =
    "ml-0.5 rounded px-0.5 text-[0.7em] font-medium text-primary no-underline hover:underline";
  return (
    <sup data-testid="citation-ref">
      {url ? (
        <a
          href={url}
          target="_blank"
          rel="noopener noreferrer"
          aria-label={citationLabel(citation, n)}
          title={citation.title}
          className={className}
        >
          {n}
        </a>
      ) : (
        <a
          href={`#${sourceAnchor(idPrefix, n)}`}
          aria-label={citationLabel(citation, n)}
          title={citation.title}
          className={className}
        >
          {n}
        </a>
      )}
    </sup>
  );
}

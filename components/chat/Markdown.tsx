"use client";

import { useCallback, useEffect, useMemo, useRef, useState, type ComponentProps } from "react";
import { defaultComponents, defaultRemarkPlugins, Streamdown, type ExtraProps } from "streamdown";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import type { Citation } from "@/lib/chat/events";
import {
  CITE_HREF_PREFIX,
  citationLabel,
  remarkCitations,
  safeUrl,
  sourceAnchor,
  visibleText,
} from "./blocks/citations";

type LinkProps = ComponentProps<"a"> & ExtraProps;

/** Streamdown's placeholder href for a link whose `](url)` has not arrived yet. */
const INCOMPLETE_LINK = "streamdown:incomplete-link";

// The page has one h1 (its title): an answer's headings sit one level below it.
const { h2, h3, h4, h5, h6 } = defaultComponents;
const DEMOTED_HEADINGS = { h1: h2, h2: h3, h3: h4, h4: h5, h5: h6, h6 };

// Streamdown's own link-safety modal renders links as buttons and its box is not a modal dialog;
// ours keeps real links and asks in a native <dialog> (ConfirmDialog).
const NO_LINK_SAFETY = { enabled: false };

// Code blocks and tables scroll when they are wider (or taller) than the answer; a keyboard user
// can scroll them only once they can focus them (WCAG 2.1.1). Streamdown renders them itself.
const SCROLLERS = [
  '[data-streamdown="code-block-body"]',
  '[data-streamdown="table-wrapper"] > div:has(> table)',
].join(", ");

/**
 * Agent answers as Markdown (GFM tables, code blocks), rendered safely while they stream.
 * `[n]` references to `citations` render as small superscript links (a web source opens in a
 * new tab, a file jumps to its entry in the Sources list); raw `【…†…】` markers never show.
 * Other links are real links; a web link asks "Open external link?" (showing the real address)
 * before it opens in a new tab, and focus comes back to the link afterwards.
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
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    root.current?.querySelectorAll<HTMLElement>(SCROLLERS).forEach((el) => {
      if (!el.hasAttribute("tabindex")) el.tabIndex = 0;
    });
  });
  const [leaving, setLeaving] = useState<string>();
  const fromLink = useRef<HTMLAnchorElement>(undefined);
  const confirmLeaving = useCallback((url: string, link: HTMLAnchorElement) => {
    fromLink.current = link;
    setLeaving(url);
  }, []);
  const closeDialog = () => {
    setLeaving(undefined);
    // The native dialog restores focus itself in Chromium; say it explicitly for the others.
    if (fromLink.current?.isConnected) fromLink.current.focus();
  };
  const components = useMemo(
    () => ({
      ...DEMOTED_HEADINGS,
      a: (props: LinkProps) => {
        const n = citationNumber(props.href);
        const citation = n !== undefined ? citations?.[n - 1] : undefined;
        if (n === undefined || !citation)
          return (
            <AnswerLink
              href={props.href}
              title={props.title}
              className={props.className}
              onLeave={confirmLeaving}
            >
              {props.children}
            </AnswerLink>
          );
        return <CitationRef citation={citation} n={n} idPrefix={idPrefix} />;
      },
    }),
    [citations, idPrefix, confirmLeaving],
  );
  return (
    <div ref={root} className="markdown text-[15px] leading-relaxed">
      <Streamdown
        isAnimating={streaming}
        remarkPlugins={remarkPlugins}
        components={components}
        linkSafety={NO_LINK_SAFETY}
      >
        {visibleText(text, streaming)}
      </Streamdown>
      <ConfirmDialog
        open={leaving !== undefined}
        title="Open external link?"
        body={
          <>
            <p>This link opens another site in a new tab:</p>
            <p className="mt-1 font-mono text-xs break-all text-foreground">{leaving}</p>
          </>
        }
        confirmLabel="Open link"
        onCancel={closeDialog}
        onConfirm={() => {
          if (leaving) window.open(leaving, "_blank", "noopener,noreferrer");
          closeDialog();
        }}
      />
    </div>
  );
}

/**
 * A link in an answer: an `<a href>` (so it is a link to assistive technology, can be copied and
 * opened with the browser's own gestures). A plain click or Enter on a web link asks first.
 */
function AnswerLink({
  href,
  title,
  className,
  children,
  onLeave,
}: Pick<LinkProps, "href" | "title" | "className" | "children"> & {
  onLeave: (url: string, link: HTMLAnchorElement) => void;
}) {
  const linkClass = `wrap-anywhere font-medium text-primary underline ${className ?? ""}`;
  if (!href || href === INCOMPLETE_LINK) return <span className={linkClass}>{children}</span>;
  const url = safeUrl(href);
  if (!url) {
    return (
      <a href={href} title={title} className={linkClass}>
        {children}
      </a>
    );
  }
  return (
    <a
      href={url}
      title={title}
      target="_blank"
      rel="noopener noreferrer"
      className={linkClass}
      onClick={(e) => {
        // Ctrl/Cmd/Shift-click and middle-click are the user's own explicit "open elsewhere".
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        onLeave(url, e.currentTarget);
      }}
    >
      {children}
    </a>
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

import { FileText, Link2 } from "lucide-react";
import type { Citation } from "@/lib/chat/events";
import { safeUrl, sourceAnchor } from "./citations";

/**
 * The sources an answer cites, numbered as the `[n]` references in its text. Web sources open in
 * a new tab; files show their name (there is nothing to open).
 */
export function Sources({ citations, idPrefix }: { citations: Citation[]; idPrefix: string }) {
  if (citations.length === 0) return null;
  return (
    <nav aria-label="Sources" className="mt-2 border-t pt-2 text-xs" data-testid="sources">
      <h4 className="font-medium text-muted-foreground">Sources</h4>
      <ol className="mt-1 list-decimal space-y-0.5 pl-5">
        {citations.map((citation, i) => (
          <li key={i} id={sourceAnchor(idPrefix, i + 1)} className="scroll-mt-4">
            <SourceEntry citation={citation} />
          </li>
        ))}
      </ol>
    </nav>
  );
}

function SourceEntry({ citation }: { citation: Citation }) {
  const url = citation.kind === "url" ? safeUrl(citation.url) : undefined;
  if (url) {
    return (
      <>
        <a
          href={url}
          target="_blank"
          rel="noopener noreferrer"
          className="text-primary underline-offset-2 hover:underline"
        >
          {citation.title}
        </a>
        {hostOf(url) !== citation.title ? (
          <span className="ml-1 text-muted-foreground">{hostOf(url)}</span>
        ) : null}
      </>
    );
  }
  return (
    <span>
      {citation.kind === "file" ? (
        <FileText aria-hidden className="mr-1 inline size-3.5 align-[-0.125em]" />
      ) : (
        <Link2 aria-hidden className="mr-1 inline size-3.5 align-[-0.125em]" />
      )}
      {citation.kind === "file" ? (citation.filename ?? citation.title) : citation.title}
    </span>
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return "";
  }
}

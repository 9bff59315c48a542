import { Check, LoaderCircle, Square, X, type LucideIcon } from "lucide-react";
import type { ToolCallBlock } from "@/lib/chat/reducer";
import { prettyJson } from "./format";

const kindLabel: Record<ToolCallBlock["kind"], string> = {
  mcp: "MCP tool",
  file_search: "File search",
  openapi: "API call",
  function: "Function",
  web_search: "Web search",
  code_interpreter: "Code interpreter",
  other: "Tool",
};

/** What the arguments and the result are, for the kinds whose "arguments" are something else. */
const argumentsLabel: Partial<Record<ToolCallBlock["kind"], string>> = {
  code_interpreter: "Code",
  file_search: "Queries",
  web_search: "Action",
};
const resultLabel: Partial<Record<ToolCallBlock["kind"], string>> = {
  code_interpreter: "Output",
  file_search: "Results",
};

const OUTPUT_PREVIEW = 4000;

const statusIcon: Record<ToolCallBlock["status"], LucideIcon> = {
  running: LoaderCircle,
  completed: Check,
  failed: X,
  cancelled: Square,
};

/** One tool call of any kind: name, server, arguments, status, result or error, and duration. */
export function ToolCallCard({ block }: { block: ToolCallBlock }) {
  const Icon = statusIcon[block.status];
  const tone =
    block.status === "failed"
      ? "border-destructive/40"
      : block.status === "running"
        ? "border-primary/40"
        : "border-border";
  const duration = block.durationMs !== undefined ? formatDuration(block.durationMs) : undefined;
  return (
    <details
      className={`group my-2 rounded-lg border ${tone} bg-card text-sm`}
      data-testid="tool-call"
    >
      <summary className="flex cursor-pointer list-none items-center gap-2 px-3 py-2">
        <Icon
          aria-hidden
          className={`size-4 shrink-0 ${block.status === "failed" ? "text-destructive" : "text-muted-foreground"} ${block.status === "running" ? "animate-spin" : ""}`}
        />
        <span className="font-mono font-medium">{block.name}</span>
        <span className="text-xs text-muted-foreground">
          {kindLabel[block.kind]}
          {block.serverLabel ? ` · ${block.serverLabel}` : ""}
        </span>
        <span className="ml-auto text-xs text-muted-foreground">
          {block.status === "running" ? "running…" : block.status}
          {duration ? ` · ${duration}` : ""}
        </span>
      </summary>
      <div className="space-y-2 border-t px-3 py-2">
        {block.arguments ? (
          <section>
            <h4 className="text-xs font-medium text-muted-foreground">
              {argumentsLabel[block.kind] ?? "Arguments"}
            </h4>
            <pre tabIndex={0} className="mt-1 max-h-60 overflow-auto rounded bg-muted p-2 text-xs">
              {prettyJson(block.arguments)}
            </pre>
          </section>
        ) : null}
        {block.error ? (
          <section>
            <h4 className="text-xs font-medium text-destructive">Error</h4>
            <pre
              tabIndex={0}
              className="mt-1 max-h-60 overflow-auto rounded bg-muted p-2 text-xs whitespace-pre-wrap"
            >
              {block.error}
            </pre>
          </section>
        ) : null}
        {block.output ? (
          <section>
            <h4 className="text-xs font-medium text-muted-foreground">
              {resultLabel[block.kind] ?? "Result"}
            </h4>
            <pre
              tabIndex={0}
              className="mt-1 max-h-80 overflow-auto rounded bg-muted p-2 text-xs whitespace-pre-wrap"
            >
              {prettyJson(block.output.slice(0, OUTPUT_PREVIEW))}
              {block.output.length > OUTPUT_PREVIEW
                ? `\n… (${block.output.length.toLocaleString()} characters in all)`
                : ""}
            </pre>
          </section>
        ) : null}
        {block.status === "completed" && !block.output ? (
          <p className="text-xs text-muted-foreground">No result was returned.</p>
        ) : null}
        {block.status === "running" ? (
          <p className="text-xs text-muted-foreground">Waiting for the result…</p>
        ) : null}
      </div>
    </details>
  );
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

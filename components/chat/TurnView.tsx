"use client";

import { lazy, Suspense, useId } from "react";
import type { Block, TextBlock, Turn } from "@/lib/chat/reducer";
import { authRequiredOfTurn } from "@/lib/connections/auth-required";
import { ApprovalCard } from "./blocks/ApprovalCard";
import { ConnectCard } from "./blocks/ConnectCard";
import { ConsentCard } from "./blocks/ConsentCard";
import { Sources } from "./blocks/Sources";
import { ToolCallCard } from "./blocks/ToolCallCard";
import { visibleText } from "./blocks/citations";

// Markdown rendering (Streamdown: unified, remark, rehype, marked) was ~150 KB of the chat page's
// ~390 KB gzipped first-load JavaScript, yet no answer is on screen at first paint. It loads with
// the first answer; until then (a moment) the answer shows as plain text, so nothing is hidden.
const Markdown = lazy(() => loadMarkdown().then((m) => ({ default: m.Markdown })));

/** Starts loading the Markdown renderer (once; later calls share the same load). */
export const loadMarkdown = () => import("./Markdown");

/** One exchange: the user's message, then what the agent did and said, then how it ended. */
export function TurnView({ turn }: { turn: Turn }) {
  const running = turn.status === "running";
  const hasText = turn.blocks.some((b) => b.type === "text" && b.text.length > 0);
  const connect = authRequiredOfTurn(turn);
  return (
    <article className="space-y-3" data-testid="turn" data-status={turn.status} aria-busy={running}>
      {turn.userText !== undefined ? (
        <div className="flex justify-end">
          <div
            className="max-w-[85%] rounded-2xl rounded-br-md bg-primary px-4 py-2.5 text-[15px] whitespace-pre-wrap text-primary-foreground"
            data-testid="user-message"
          >
            <span className="sr-only">You said: </span>
            {turn.userText}
          </div>
        </div>
      ) : null}
      <div className="min-w-0" data-testid="assistant-message">
        <span className="sr-only">{turn.agent?.name ?? "The agent"} answered: </span>
        {turn.blocks.map((block) => (
          <BlockView key={blockKey(block)} block={block} />
        ))}
        {running && !hasText ? <Thinking /> : null}
        <TurnEnding turn={turn} />
        {connect ? <ConnectCard failure={connect} /> : null}
      </div>
    </article>
  );
}

function BlockView({ block }: { block: Block }) {
  switch (block.type) {
    case "text":
      return <TextView block={block} />;
    case "tool_call":
      return <ToolCallCard block={block} />;
    case "tools_listed":
      return (
        <p className="my-1 text-xs text-muted-foreground">
          Connected to <span className="font-medium">{block.serverLabel}</span>:{" "}
          {block.tools.length} tool
          {block.tools.length === 1 ? "" : "s"} available
        </p>
      );
    case "approval":
      return <ApprovalCard block={block} />;
    case "consent":
      return <ConsentCard block={block} />;
  }
}

/** The answer's Markdown, with its citations as references and a Sources list below it. */
function TextView({ block }: { block: TextBlock }) {
  const idPrefix = `t${useId().replace(/[^a-zA-Z0-9_-]/g, "")}`;
  return (
    <>
      <Suspense
        fallback={
          <div className="text-[15px] leading-relaxed whitespace-pre-wrap">
            {visibleText(block.text, !block.done)}
          </div>
        }
      >
        <Markdown
          text={block.text}
          streaming={!block.done}
          citations={block.citations}
          idPrefix={idPrefix}
        />
      </Suspense>
      {block.citations && block.citations.length > 0 ? (
        <Sources citations={block.citations} idPrefix={idPrefix} />
      ) : null}
    </>
  );
}

function blockKey(block: Block): string {
  switch (block.type) {
    case "text":
      return `t:${block.itemId}`;
    case "tool_call":
      return `c:${block.callId}`;
    case "tools_listed":
      return `l:${block.serverLabel}`;
    case "approval":
      return `a:${block.approvalRequestId}`;
    case "consent":
      return `k:${block.consentId}`;
  }
}

function Thinking() {
  return (
    <p role="status" className="flex items-center gap-1.5 py-2 text-sm text-muted-foreground">
      <span className="flex gap-1" aria-hidden>
        <span className="size-1.5 animate-bounce rounded-full bg-current [animation-delay:-0.3s]" />
        <span className="size-1.5 animate-bounce rounded-full bg-current [animation-delay:-0.15s]" />
        <span className="size-1.5 animate-bounce rounded-full bg-current" />
      </span>
      Thinking…
    </p>
  );
}

function TurnEnding({ turn }: { turn: Turn }) {
  if (turn.status === "failed" && turn.error) {
    return (
      <div
        role="alert"
        className="mt-2 rounded-lg border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm"
        data-testid="run-error"
      >
        <p className="font-medium text-destructive">The agent could not finish this answer.</p>
        <p className="mt-1 whitespace-pre-wrap text-foreground">{turn.error.message}</p>
        <p className="mt-1 text-xs text-muted-foreground">
          {turn.error.retriable
            ? "You can send your message again."
            : "Try rephrasing your request."}{" "}
          (code: {turn.error.code})
        </p>
      </div>
    );
  }
  if (turn.status === "cancelled") {
    return (
      <p className="mt-1 text-xs text-muted-foreground" data-testid="run-cancelled">
        Stopped.
      </p>
    );
  }
  return null;
}

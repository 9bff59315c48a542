"use client";

import { useEffect, useRef, useState } from "react";

/** After this long in "Sending…" the composer says why it takes a while (ms). */
const SLOW_SEND_MS = 2_000;

/**
 * Message box: Enter sends, Shift+Enter adds a line. While the agent answers, the send button
 * becomes Stop (Escape also stops). The box empties when a message leaves, so what the user types
 * while it is on its way is theirs; a message that could not be sent comes back.
 */
export function Composer(props: {
  running: boolean;
  /** What the running answer waits for, if anything: the hint then says so. */
  waitingFor?: "approval" | "consent";
  disabled?: boolean;
  maxChars?: number;
  placeholder?: string;
  onSend: (text: string) => Promise<boolean>;
  onStop: () => void;
}) {
  const { running, onSend, onStop } = props;
  const maxChars = props.maxChars ?? 16_000;
  const [text, setText] = useState("");
  const [sending, setSending] = useState(false);
  const slow = useSlow(sending, SLOW_SEND_MS);
  const ref = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, 240)}px`;
  }, [text]);

  useEffect(() => {
    if (!running && !props.disabled) ref.current?.focus();
  }, [running, props.disabled]);

  const trimmed = text.trim();
  const tooLong = text.length > maxChars;
  const canSend = !running && !sending && !props.disabled && trimmed.length > 0 && !tooLong;

  const submit = async () => {
    if (!canSend) return;
    const draft = text;
    setSending(true);
    setText("");
    const ok = await onSend(trimmed);
    setSending(false);
    if (!ok) setText((typed) => (typed.trim() ? `${draft}\n${typed}` : draft));
  };

  return (
    <form
      className="mx-auto w-full max-w-3xl"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div className="flex items-end gap-2 rounded-2xl border bg-card p-2 shadow-sm focus-within:border-ring">
        <label htmlFor="composer" className="sr-only">
          Message
        </label>
        <textarea
          id="composer"
          ref={ref}
          rows={1}
          value={text}
          disabled={props.disabled}
          placeholder={props.placeholder ?? "Message the agent…"}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              void submit();
            } else if (e.key === "Escape" && running) {
              e.preventDefault();
              onStop();
            }
          }}
          aria-describedby={tooLong ? "composer-too-long" : "composer-hint"}
          className="max-h-60 min-h-10 flex-1 resize-none bg-transparent px-2 py-2 text-[15px] outline-none placeholder:text-muted-foreground disabled:opacity-60"
        />
        {running ? (
          <button
            type="button"
            onClick={onStop}
            className="h-10 shrink-0 rounded-xl border border-destructive/40 px-4 text-sm font-medium text-destructive hover:bg-destructive/10"
          >
            Stop
          </button>
        ) : (
          <button
            type="submit"
            disabled={!canSend}
            className="h-10 shrink-0 rounded-xl bg-primary px-4 text-sm font-medium text-primary-foreground disabled:opacity-40"
          >
            {sending ? "Sending…" : "Send"}
          </button>
        )}
      </div>
      <p role="status" className="px-2 text-xs text-muted-foreground">
        {slow ? (
          <span className="mt-1.5 block">
            Starting the agent… The first message after the app starts can take a little longer.
          </span>
        ) : null}
      </p>
      <p id="composer-hint" className="mt-1.5 px-2 text-xs text-muted-foreground">
        {tooLong ? (
          <span id="composer-too-long" className="text-destructive">
            {text.length.toLocaleString()} / {maxChars.toLocaleString()} characters: please shorten
            your message.
          </span>
        ) : running ? (
          runningHint(props.waitingFor)
        ) : (
          "Enter to send · Shift+Enter for a new line"
        )}
      </p>
    </form>
  );
}

function runningHint(waitingFor: ComposerWaiting): string {
  if (waitingFor === "approval")
    return "The agent is waiting for a decision on the tool call above. Press Stop to withdraw it.";
  if (waitingFor === "consent")
    return "The agent is waiting for your consent above. Press Stop to give up.";
  return "The agent is answering. Press Stop or Escape to stop it.";
}

type ComposerWaiting = "approval" | "consent" | undefined;

/** True once `active` has lasted `ms`; false again as soon as it ends. */
function useSlow(active: boolean, ms: number): boolean {
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    if (!active) return;
    const timer = setTimeout(() => setSlow(true), ms);
    return () => {
      clearTimeout(timer);
      setSlow(false);
    };
  }, [active, ms]);
  return slow;
}

"use client";

import { Pencil, Plus, Trash2 } from "lucide-react";
import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import type { ConversationSummary } from "@/lib/chat/api-client";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { Spinner } from "@/components/ui/Spinner";

/** 28 px square (WCAG 2.5.8 asks for at least 24). */
const ICON_BUTTON =
  "inline-flex size-7 items-center justify-center rounded-md text-muted-foreground hover:bg-background";

/** The conversation list: new, open, rename (inline), delete (confirmed). */
export function Sidebar(props: {
  conversations: ConversationSummary[] | undefined;
  activeId: string | undefined;
  error?: string;
  onNew: () => void;
  onRename: (id: string, title: string) => Promise<void>;
  onDelete: (id: string) => Promise<void>;
  onNavigate?: () => void;
}) {
  const [editing, setEditing] = useState<string>();
  const [draft, setDraft] = useState("");
  const [confirming, setConfirming] = useState<ConversationSummary>();
  // After Enter or Escape in the rename box, focus goes back to that conversation's Rename
  // button (the box is gone); after a click elsewhere it stays where the user put it.
  const refocus = useRef<string>(undefined);
  const renameButtons = useRef(new Map<string, HTMLButtonElement>());

  useEffect(() => {
    if (editing || !refocus.current) return;
    renameButtons.current.get(refocus.current)?.focus();
    refocus.current = undefined;
  }, [editing]);

  // The box's blur also fires while Enter or Escape removes it: act once per edit.
  const editingNow = useRef<string>(undefined);
  const startEditing = (c: ConversationSummary) => {
    setDraft(c.title);
    setEditing(c.id);
    editingNow.current = c.id;
  };
  const stopEditing = (id: string, keyboard: boolean) => {
    if (editingNow.current !== id) return false;
    editingNow.current = undefined;
    setEditing(undefined);
    if (keyboard) refocus.current = id;
    return true;
  };

  const commitRename = async (id: string, keyboard: boolean) => {
    const title = draft.trim();
    if (!stopEditing(id, keyboard)) return;
    if (title) await props.onRename(id, title);
  };

  return (
    <nav aria-label="Conversations" className="flex h-full flex-col">
      <div className="p-3">
        <button
          type="button"
          onClick={props.onNew}
          className="flex w-full items-center justify-center gap-1.5 rounded-lg bg-primary px-3 py-2 text-sm font-medium text-primary-foreground hover:opacity-90"
        >
          <Plus aria-hidden className="size-4" />
          New conversation
        </button>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto px-2 pb-3">
        {props.error ? (
          <p role="alert" className="px-2 text-sm text-destructive">
            {props.error}
          </p>
        ) : !props.conversations ? (
          <div className="px-2 py-4">
            <Spinner label="Loading conversations" />
          </div>
        ) : props.conversations.length === 0 ? (
          <p className="px-2 py-4 text-sm text-muted-foreground">No conversations yet.</p>
        ) : (
          <ul className="space-y-0.5">
            {props.conversations.map((c) => {
              const active = c.id === props.activeId;
              return (
                <li key={c.id} className="group relative">
                  {editing === c.id ? (
                    <form
                      onSubmit={(e) => {
                        e.preventDefault();
                        void commitRename(c.id, true);
                      }}
                    >
                      <label htmlFor={`rename-${c.id}`} className="sr-only">
                        New title
                      </label>
                      <input
                        id={`rename-${c.id}`}
                        autoFocus
                        value={draft}
                        maxLength={200}
                        onChange={(e) => setDraft(e.target.value)}
                        onBlur={() => void commitRename(c.id, false)}
                        onKeyDown={(e) => e.key === "Escape" && stopEditing(c.id, true)}
                        className="w-full rounded-md border bg-background px-2 py-1.5 text-sm"
                      />
                    </form>
                  ) : (
                    <>
                      <Link
                        href={`/c/${c.id}`}
                        onClick={props.onNavigate}
                        aria-current={active ? "page" : undefined}
                        className={`block truncate rounded-md py-2 pr-17 pl-2 text-sm ${
                          active ? "bg-accent font-medium text-accent-foreground" : "hover:bg-muted"
                        }`}
                      >
                        {c.title}
                      </Link>
                      <div className="absolute inset-y-0 right-1 flex items-center gap-0.5 opacity-100 sm:opacity-0 sm:group-focus-within:opacity-100 sm:group-hover:opacity-100">
                        <button
                          type="button"
                          ref={(el) => {
                            if (el) renameButtons.current.set(c.id, el);
                            else renameButtons.current.delete(c.id);
                          }}
                          onClick={() => startEditing(c)}
                          className={`${ICON_BUTTON} hover:text-foreground`}
                          aria-label={`Rename “${c.title}”`}
                          title="Rename"
                        >
                          <Pencil aria-hidden className="size-4" />
                        </button>
                        <button
                          type="button"
                          onClick={() => setConfirming(c)}
                          className={`${ICON_BUTTON} hover:text-destructive`}
                          aria-label={`Delete “${c.title}”`}
                          title="Delete"
                        >
                          <Trash2 aria-hidden className="size-4" />
                        </button>
                      </div>
                    </>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </div>
      <ConfirmDialog
        open={!!confirming}
        title="Delete conversation?"
        body={`“${confirming?.title ?? ""}” and all its messages will be deleted. This cannot be undone.`}
        confirmLabel="Delete"
        destructive
        onCancel={() => setConfirming(undefined)}
        onConfirm={() => {
          const c = confirming;
          setConfirming(undefined);
          if (c) void props.onDelete(c.id);
        }}
      />
    </nav>
  );
}

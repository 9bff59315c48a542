"use client";

import Link from "next/link";
import { useState } from "react";
import type { ConversationSummary } from "@/lib/chat/api-client";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { Spinner } from "@/components/ui/Spinner";

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

  const commitRename = async (id: string) => {
    const title = draft.trim();
    setEditing(undefined);
    if (title) await props.onRename(id, title);
  };

  return (
    <nav aria-label="Conversations" className="flex h-full flex-col">
      <div className="p-3">
        <button
          type="button"
          onClick={props.onNew}
          className="w-full rounded-lg bg-primary px-3 py-2 text-sm font-medium text-primary-foreground hover:opacity-90"
        >
          + New conversation
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
                        void commitRename(c.id);
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
                        onBlur={() => void commitRename(c.id)}
                        onKeyDown={(e) => e.key === "Escape" && setEditing(undefined)}
                        className="w-full rounded-md border bg-background px-2 py-1.5 text-sm"
                      />
                    </form>
                  ) : (
                    <>
                      <Link
                        href={`/c/${c.id}`}
                        onClick={props.onNavigate}
                        aria-current={active ? "page" : undefined}
                        className={`block truncate rounded-md py-2 pr-16 pl-2 text-sm ${
                          active ? "bg-accent font-medium text-accent-foreground" : "hover:bg-muted"
                        }`}
                      >
                        {c.title}
                      </Link>
                      <div className="absolute top-1 right-1 flex opacity-100 sm:opacity-0 sm:group-focus-within:opacity-100 sm:group-hover:opacity-100">
                        <button
                          type="button"
                          onClick={() => {
                            setDraft(c.title);
                            setEditing(c.id);
                          }}
                          className="rounded p-1 text-xs text-muted-foreground hover:bg-background hover:text-foreground"
                          aria-label={`Rename “${c.title}”`}
                        >
                          ✎
                        </button>
                        <button
                          type="button"
                          onClick={() => setConfirming(c)}
                          className="rounded p-1 text-xs text-muted-foreground hover:bg-background hover:text-destructive"
                          aria-label={`Delete “${c.title}”`}
                        >
                          🗑
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

"use client";

import { useId, useRef, useState, type KeyboardEvent } from "react";
import { Spinner } from "@/components/ui/Spinner";
import type { ApprovalView } from "@/lib/approvals/view";
import { ApprovalItem, type DecideById } from "./ApprovalItem";
import { sections, type Scope } from "./inbox-state";
import { useApprovalInbox } from "./useApprovalInbox";
import { useNow } from "./useNow";

const TABS: { scope: Scope; label: string; empty: string }[] = [
  {
    scope: "inbox",
    label: "To decide",
    empty: "Nothing is waiting for your decision.",
  },
  {
    scope: "mine",
    label: "My requests",
    empty: "You have no pending requests.",
  },
];

/**
 * The approvals page: requests the user may decide ("To decide") and their own ("My requests"),
 * each pending first and then recently decided; live over the approvals feed.
 */
export function ApprovalsInbox({ getAccessToken }: { getAccessToken: () => Promise<string> }) {
  const { state, loading, error, feed, announce, notices, decide, reload } =
    useApprovalInbox(getAccessToken);
  const now = useNow();
  const [tab, setTab] = useState<Scope>("inbox");
  const baseId = useId();
  const tabRefs = useRef<Record<Scope, HTMLButtonElement | null>>({ inbox: null, mine: null });

  const inboxPending = Object.values(state.inbox).filter(
    (a) => a.status === "pending" && a.canDecide && Date.parse(a.expiresAt) > now,
  ).length;

  const onTabKey = (e: KeyboardEvent) => {
    if (!["ArrowLeft", "ArrowRight", "Home", "End"].includes(e.key)) return;
    e.preventDefault();
    const next: Scope =
      e.key === "Home" ? "inbox" : e.key === "End" ? "mine" : tab === "inbox" ? "mine" : "inbox";
    setTab(next);
    tabRefs.current[next]?.focus();
  };

  return (
    <div className="mx-auto w-full max-w-3xl px-4 py-6">
      <h1 className="text-xl font-semibold">Approvals</h1>
      <p className="mt-1 text-sm text-muted-foreground">
        Tool calls waiting for a person&rsquo;s decision. This page updates by itself.
      </p>
      <p className="sr-only" role="status" aria-live="polite">
        {announce}
      </p>

      {feed.state === "reconnecting" ? (
        <p
          role="status"
          className="mt-3 rounded-md bg-warning px-3 py-1.5 text-xs text-warning-foreground"
        >
          Live updates interrupted. Reconnecting…
        </p>
      ) : feed.state === "error" ? (
        <p role="alert" className="mt-3 rounded-md bg-destructive/10 px-3 py-1.5 text-sm">
          {feed.detail ?? "Live updates stopped."} Reload the page to try again.
        </p>
      ) : null}

      <div
        role="tablist"
        aria-label="Approval lists"
        className="mt-4 flex gap-1 border-b"
        onKeyDown={onTabKey}
      >
        {TABS.map((t) => {
          const selected = tab === t.scope;
          return (
            <button
              key={t.scope}
              ref={(el) => {
                tabRefs.current[t.scope] = el;
              }}
              type="button"
              role="tab"
              id={`${baseId}-tab-${t.scope}`}
              aria-selected={selected}
              aria-controls={`${baseId}-panel-${t.scope}`}
              tabIndex={selected ? 0 : -1}
              onClick={() => setTab(t.scope)}
              className={`-mb-px inline-flex min-h-10 items-center gap-2 border-b-2 px-3 text-sm font-medium ${
                selected
                  ? "border-primary text-foreground"
                  : "border-transparent text-muted-foreground hover:text-foreground"
              }`}
            >
              {t.label}
              {t.scope === "inbox" && inboxPending > 0 ? (
                <>
                  <span className="sr-only">{`, ${inboxPending} pending`}</span>
                  <span
                    aria-hidden="true"
                    className="rounded-full bg-primary px-1.5 text-xs text-primary-foreground"
                  >
                    {inboxPending}
                  </span>
                </>
              ) : null}
            </button>
          );
        })}
      </div>

      {TABS.map((t) => (
        <div
          key={t.scope}
          role="tabpanel"
          id={`${baseId}-panel-${t.scope}`}
          aria-labelledby={`${baseId}-tab-${t.scope}`}
          hidden={tab !== t.scope}
          tabIndex={0}
          className="pt-4 focus-visible:outline-offset-4"
        >
          {tab !== t.scope ? null : error ? (
            <div role="alert" className="rounded-md bg-destructive/10 p-3 text-sm">
              <p>{error}</p>
              <button
                type="button"
                onClick={reload}
                className="mt-2 min-h-9 rounded-md border px-3 text-sm hover:bg-muted"
              >
                Try again
              </button>
            </div>
          ) : loading && Object.keys(state[t.scope]).length === 0 ? (
            <Spinner label="Loading approvals" />
          ) : (
            <Lists
              items={state[t.scope]}
              empty={t.empty}
              now={now}
              onDecide={decide}
              notices={notices}
              idPrefix={`${baseId}-${t.scope}`}
            />
          )}
        </div>
      ))}
    </div>
  );
}

function Lists({
  items,
  empty,
  now,
  onDecide,
  notices,
  idPrefix,
}: {
  items: Record<string, ApprovalView>;
  empty: string;
  now: number;
  onDecide: DecideById;
  notices: Record<string, string>;
  idPrefix: string;
}) {
  const { pending, decided } = sections(items);
  return (
    <div className="space-y-8">
      <section aria-labelledby={`${idPrefix}-pending`}>
        <h2 id={`${idPrefix}-pending`} className="text-sm font-semibold">
          Pending <span className="font-normal text-muted-foreground">({pending.length})</span>
        </h2>
        {pending.length === 0 ? (
          <p className="mt-2 text-sm text-muted-foreground">{empty}</p>
        ) : (
          <ul className="mt-2 space-y-3">
            {pending.map((a) => (
              <li key={a.id}>
                <ApprovalItem approval={a} now={now} onDecide={onDecide} notice={notices[a.id]} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby={`${idPrefix}-decided`}>
        <h2 id={`${idPrefix}-decided`} className="text-sm font-semibold">
          Recently decided
        </h2>
        {decided.length === 0 ? (
          <p className="mt-2 text-sm text-muted-foreground">Nothing decided yet.</p>
        ) : (
          <ul className="mt-2 space-y-3">
            {decided.map((a) => (
              <li key={a.id}>
                <ApprovalItem approval={a} now={now} notice={notices[a.id]} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

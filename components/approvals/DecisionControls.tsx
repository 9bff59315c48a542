"use client";

import { useId, useState } from "react";
import { ApiError } from "@/lib/approvals/api-client";

export type Decide = (approve: boolean, reason?: string) => Promise<void>;

const message = (err: unknown) =>
  err instanceof ApiError ? err.message : "Your decision could not be sent. Please try again.";

/**
 * Approve / Reject with an optional reason. Native buttons (keyboard and screen readers for
 * free), ≥36px targets; both are disabled while the decision is on its way, and a refusal is
 * said in plain words.
 */
export function DecisionControls({ onDecide }: { onDecide: Decide }) {
  const reasonId = useId();
  const errorId = useId();
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState<"approve" | "reject">();
  const [error, setError] = useState<string>();

  const decide = async (approve: boolean) => {
    setBusy(approve ? "approve" : "reject");
    setError(undefined);
    try {
      await onDecide(approve, reason.trim() || undefined);
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <div className="mt-3 space-y-2" aria-busy={busy !== undefined}>
      <div>
        <label htmlFor={reasonId} className="block text-xs font-medium text-muted-foreground">
          Reason (optional)
        </label>
        <textarea
          id={reasonId}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          rows={2}
          maxLength={1000}
          disabled={busy !== undefined}
          aria-describedby={error ? errorId : undefined}
          className="mt-1 block w-full resize-y rounded-md border border-input bg-background px-2 py-1.5 text-sm disabled:opacity-60"
        />
      </div>
      <div className="flex flex-wrap items-center gap-2">
        <button
          type="button"
          onClick={() => void decide(true)}
          disabled={busy !== undefined}
          className="inline-flex min-h-9 min-w-24 items-center justify-center gap-2 rounded-md bg-primary px-4 py-1.5 text-sm font-medium text-primary-foreground hover:opacity-90 disabled:cursor-not-allowed disabled:opacity-60"
        >
          {busy === "approve" ? <BusyDot /> : null}
          Approve
        </button>
        <button
          type="button"
          onClick={() => void decide(false)}
          disabled={busy !== undefined}
          className="inline-flex min-h-9 min-w-24 items-center justify-center gap-2 rounded-md border border-destructive/50 px-4 py-1.5 text-sm font-medium text-destructive hover:bg-destructive/10 disabled:cursor-not-allowed disabled:opacity-60"
        >
          {busy === "reject" ? <BusyDot /> : null}
          Reject
        </button>
        {busy ? (
          <span className="text-xs text-muted-foreground">Sending your decision…</span>
        ) : null}
      </div>
      {error ? (
        <p
          id={errorId}
          role="alert"
          className="rounded-md bg-destructive/10 px-2 py-1.5 text-sm text-destructive"
        >
          {error}
        </p>
      ) : null}
    </div>
  );
}

function BusyDot() {
  return (
    <span
      aria-hidden
      className="size-3.5 animate-spin rounded-full border-2 border-current/30 border-t-current"
    />
  );
}

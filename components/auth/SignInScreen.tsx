"use client";

import { useState } from "react";
import { useAuth } from "./AuthProvider";

/** What a signed-out visitor sees: the product, one button, and any sign-in error. */
export function SignInScreen() {
  const { signIn, status, error, mode } = useAuth();
  const [busy, setBusy] = useState(false);
  const [startError, setStartError] = useState<string>();
  const message = startError ?? (status === "error" ? error : undefined);

  async function start() {
    setBusy(true);
    setStartError(undefined);
    try {
      await signIn(); // navigates away on success
    } catch (err) {
      setStartError(
        err instanceof Error ? err.message : "Sign-in could not start. Please try again.",
      );
      setBusy(false);
    }
  }

  return (
    <main className="flex min-h-full items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm text-center">
        <div
          aria-hidden="true"
          className="mx-auto flex size-14 items-center justify-center rounded-2xl bg-primary text-xl font-bold text-primary-foreground shadow-sm"
        >
          FA
        </div>
        <h1 className="mt-6 text-2xl font-semibold tracking-tight">Foundry Agent Chat</h1>
        <p className="mt-2 text-sm text-muted-foreground">
          Chat with your organization&apos;s AI agents and their governed tools.
        </p>
        {message ? (
          <p
            role="alert"
            className="mt-6 rounded-lg border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-foreground"
          >
            {message}
          </p>
        ) : null}
        <button
          type="button"
          onClick={start}
          disabled={busy || status === "loading"}
          aria-busy={busy}
          className="mt-8 inline-flex w-full items-center justify-center rounded-lg bg-primary px-4 py-2.5 text-sm font-semibold text-primary-foreground shadow-sm hover:opacity-90 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring disabled:cursor-not-allowed disabled:opacity-60"
        >
          {busy ? "Redirecting…" : "Sign in"}
        </button>
        {mode === "local" ? (
          <p className="mt-4 text-xs text-muted-foreground">
            Embedded mode: you will choose one of the demo accounts.
          </p>
        ) : null}
      </div>
    </main>
  );
}

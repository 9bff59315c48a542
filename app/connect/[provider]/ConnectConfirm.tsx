"use client";

import { useEffect, useState } from "react";

type State =
  | { kind: "idle" }
  | { kind: "busy" }
  | { kind: "done"; accountLabel: string }
  | { kind: "error"; message: string };

/** Message the opener (the chat) listens for, then retries the tool call. */
export const CONNECTED_MESSAGE = "provider-connected";

export function ConnectConfirm(props: { provider: string; displayName: string; token: string }) {
  const [state, setState] = useState<State>({ kind: "idle" });

  // Drop the token from the address bar and history once the page has it.
  useEffect(() => {
    if (window.location.search) window.history.replaceState(null, "", window.location.pathname);
  }, []);

  async function connect() {
    setState({ kind: "busy" });
    try {
      // JSON + same-origin: a cross-site form cannot produce this request (CSRF), and the server
      // checks Origin / Sec-Fetch-Site as well.
      const res = await fetch(`/api/connections/${encodeURIComponent(props.provider)}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: props.token }),
        credentials: "same-origin",
      });
      const body = (await res.json().catch(() => ({}))) as {
        accountLabel?: string;
        title?: string;
      };
      if (!res.ok) {
        setState({
          kind: "error",
          message: body.title ?? `Could not connect (HTTP ${res.status}).`,
        });
        return;
      }
      setState({ kind: "done", accountLabel: body.accountLabel ?? "" });
      if (window.opener) {
        (window.opener as Window).postMessage(
          { type: CONNECTED_MESSAGE, provider: props.provider },
          window.location.origin,
        );
        setTimeout(() => window.close(), 1200);
      }
    } catch {
      setState({ kind: "error", message: "Network error. Check your connection and try again." });
    }
  }

  if (state.kind === "done") {
    return (
      <p
        role="status"
        className="mt-6 rounded-md bg-accent px-3 py-2 text-sm text-accent-foreground"
      >
        {props.displayName} is connected{state.accountLabel ? ` as ${state.accountLabel}` : ""}. You
        can close this window and continue in the chat.
      </p>
    );
  }
  return (
    <div className="mt-6">
      {state.kind === "error" && (
        <p
          role="alert"
          className="mb-3 rounded-md bg-warning px-3 py-2 text-sm text-warning-foreground"
        >
          {state.message}
        </p>
      )}
      <div className="flex justify-end gap-2">
        <button
          type="button"
          onClick={() => window.close()}
          className="rounded-md border px-3 py-1.5 text-sm hover:bg-muted"
        >
          Cancel
        </button>
        <button
          type="button"
          onClick={connect}
          disabled={state.kind === "busy"}
          className="rounded-md bg-primary px-3 py-1.5 text-sm font-medium text-primary-foreground hover:opacity-90 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring disabled:opacity-60"
        >
          {state.kind === "busy" ? "Connecting…" : `Connect ${props.displayName}`}
        </button>
      </div>
    </div>
  );
}

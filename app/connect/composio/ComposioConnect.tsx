"use client";

import { LinkExpired } from "@/components/connections/LinkExpired";
import { useEffect, useRef, useState } from "react";

type State =
  | { kind: "loading" }
  | { kind: "invalid" }
  | { kind: "error"; message: string }
  | { kind: "redirecting"; toolkit: string; username: string };

/** Reads `#token=…&toolkit=…` and removes it from the address bar and history at once. */
function takeFragment(): { token: string; toolkit: string } {
  const params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  if (window.location.hash)
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  return { token: params.get("token") ?? "", toolkit: params.get("toolkit") ?? "" };
}

/** Where the popup goes next (an object so tests can observe it; jsdom cannot navigate). */
export const navigation = { go: (url: string) => window.location.assign(url) };

/** Composio's Connect Link is https; anything else (javascript:, data:, http:) is never opened. */
function isHttps(url: unknown): url is string {
  try {
    return typeof url === "string" && new URL(url).protocol === "https:";
  } catch {
    return false;
  }
}

export function ComposioConnect() {
  const [state, setState] = useState<State>({ kind: "loading" });
  // Read once per page: Strict Mode runs effects twice, and the first run clears the fragment.
  const fragment = useRef<{ token: string; toolkit: string }>(undefined);

  useEffect(() => {
    fragment.current ??= takeFragment();
    const { token } = fragment.current;
    if (!token) {
      setState({ kind: "invalid" });
      return;
    }
    let live = true;
    // JSON + same-origin: a cross-site form cannot produce this request (CSRF).
    fetch("/api/composio/connect-link", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token }),
      credentials: "same-origin",
    })
      .then(async (res) => {
        const data = (await res.json().catch(() => ({}))) as {
          url?: unknown;
          toolkit?: string;
          username?: string;
          title?: string;
        };
        if (!live) return;
        if (res.status === 401) return setState({ kind: "invalid" });
        if (!res.ok || !isHttps(data.url))
          return setState({
            kind: "error",
            message: data.title ?? `Could not start connecting (HTTP ${res.status}).`,
          });
        setState({
          kind: "redirecting",
          toolkit: data.toolkit ?? "",
          username: data.username ?? "",
        });
        navigation.go(data.url);
      })
      .catch(() => live && setState({ kind: "error", message: "Network error. Try again." }));
    return () => {
      live = false;
    };
  }, []);

  if (state.kind === "loading")
    return (
      <p role="status" className="mt-3 text-sm text-muted-foreground">
        Preparing the connect link…
      </p>
    );
  if (state.kind === "invalid") return <LinkExpired />;
  if (state.kind === "error")
    return (
      <p
        role="alert"
        className="mt-3 rounded-md bg-warning px-3 py-2 text-sm text-warning-foreground"
      >
        {state.message}
      </p>
    );
  return (
    <p role="status" className="mt-3 text-sm text-muted-foreground">
      Continuing to Composio to connect <strong className="text-foreground">{state.toolkit}</strong>{" "}
      for <strong className="text-foreground">{state.username}</strong>…
    </p>
  );
}

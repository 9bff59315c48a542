"use client";

import { LinkExpired } from "@/components/connections/LinkExpired";
import { useEffect, useRef, useState } from "react";
import { CLOSE_AFTER_MS, announceConnected } from "@/lib/connections/messages";

type State =
  | { kind: "loading" }
  | { kind: "invalid" }
  | { kind: "ready"; username: string; connectedAs?: string; busy?: boolean; error?: string }
  | { kind: "done" };

export { CLOSE_AFTER_MS };

/**
 * Reads the connect token from the fragment (`#token=…`) and removes it from the address bar and
 * history at once, so it is never sent to a server, logged, bookmarked or shared by copying the
 * URL.
 */
function takeTokenFromFragment(): string {
  const hash = window.location.hash.replace(/^#/, "");
  const token = new URLSearchParams(hash).get("token") ?? "";
  if (window.location.hash)
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  return token;
}

async function postJson(path: string, body: unknown): Promise<{ res: Response; data: Json }> {
  // JSON + same-origin: a cross-site form cannot produce this request (CSRF), and the server
  // checks Origin / Sec-Fetch-Site as well.
  const res = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  return { res, data: (await res.json().catch(() => ({}))) as Json };
}

type Json = {
  username?: string;
  connectedAs?: string;
  title?: string;
  authorizationUrl?: string;
};

/** Only an https address (the provider's authorization endpoint) is ever navigated to. */
function isHttpsUrl(url: string | undefined): url is string {
  try {
    return url !== undefined && new URL(url).protocol === "https:";
  } catch {
    return false;
  }
}

/**
 * `authority`: the provider that takes over on Connect (e.g. "Google" for Gmail in live mode):
 * the server then answers with its authorization URL, and the popup goes there; the provider's
 * callback shows the outcome and tells the opener.
 */
export function ConnectConfirm(props: {
  provider: string;
  displayName: string;
  authority?: string;
  navigate?: (url: string) => void;
}) {
  const [state, setState] = useState<State>({ kind: "loading" });
  // Read once per page: Strict Mode runs effects twice, and the first run clears the fragment.
  const token = useRef<string>(undefined);

  useEffect(() => {
    token.current ??= takeTokenFromFragment();
    const t = token.current;
    if (!t) {
      setState({ kind: "invalid" });
      return;
    }
    let live = true;
    postJson(`/api/connections/${encodeURIComponent(props.provider)}/preview`, { token: t }).then(
      ({ res, data }) => {
        if (!live) return;
        if (!res.ok) return setState({ kind: "invalid" });
        setState({
          kind: "ready",
          username: data.username ?? "",
          ...(data.connectedAs ? { connectedAs: data.connectedAs } : {}),
        });
      },
      () => live && setState({ kind: "invalid" }),
    );
    return () => {
      live = false;
    };
  }, [props.provider]);

  useEffect(() => {
    if (state.kind !== "done") return;
    const timer = setTimeout(() => window.close(), CLOSE_AFTER_MS);
    return () => clearTimeout(timer);
  }, [state.kind]);

  async function connect() {
    if (state.kind !== "ready") return;
    setState({ ...state, busy: true, error: undefined });
    try {
      const { res, data } = await postJson(
        `/api/connections/${encodeURIComponent(props.provider)}`,
        { token: token.current },
      );
      if (res.status === 401) return setState({ kind: "invalid" });
      if (!res.ok) {
        setState({
          ...state,
          busy: false,
          error: data.title ?? `Could not connect (HTTP ${res.status}).`,
        });
        return;
      }
      if (props.authority) {
        if (!isHttpsUrl(data.authorizationUrl)) {
          setState({ ...state, busy: false, error: "Could not start the sign-in. Try again." });
          return;
        }
        // The popup stays busy while the provider's page loads.
        (props.navigate ?? ((url: string) => window.location.assign(url)))(data.authorizationUrl);
        return;
      }
      setState({ kind: "done" });
      announceConnected(props.provider);
    } catch {
      setState({
        ...state,
        busy: false,
        error: "Network error. Check your connection and try again.",
      });
    }
  }

  if (state.kind === "loading") {
    return (
      <p role="status" className="mt-3 text-sm text-muted-foreground">
        Checking the link…
      </p>
    );
  }
  if (state.kind === "invalid") {
    return <LinkExpired />;
  }
  if (state.kind === "done") {
    return (
      <p
        role="status"
        className="mt-6 rounded-md bg-accent px-3 py-2 text-sm text-accent-foreground"
      >
        Connected. You can close this window.
      </p>
    );
  }
  return (
    <>
      <p className="mt-3 text-sm text-muted-foreground">
        Connecting for <strong className="text-foreground">{state.username}</strong>.
      </p>
      {state.connectedAs ? (
        <p className="mt-3 rounded-md bg-muted px-3 py-2 text-sm text-muted-foreground">
          Already connected as {state.connectedAs}. Connecting again refreshes the connection.
        </p>
      ) : null}
      <p className="mt-3 text-xs text-muted-foreground">
        {props.authority
          ? `${props.authority} will ask you to sign in and to allow this access. You can disconnect at any time, which also revokes it at ${props.authority}.`
          : "Sandbox mode: nothing leaves this app. Messages land in a local outbox. You can disconnect at any time."}
      </p>
      <div className="mt-6">
        {state.error ? (
          <p
            role="alert"
            className="mb-3 rounded-md bg-warning px-3 py-2 text-sm text-warning-foreground"
          >
            {state.error}
          </p>
        ) : null}
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
            onClick={() => void connect()}
            disabled={state.busy}
            className="rounded-md bg-primary px-3 py-1.5 text-sm font-medium text-primary-foreground hover:opacity-90 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring disabled:opacity-60"
          >
            {state.busy
              ? props.authority
                ? `Opening ${props.authority}…`
                : "Connecting…"
              : props.authority
                ? `Continue to ${props.authority}`
                : `Connect ${props.displayName}`}
          </button>
        </div>
      </div>
    </>
  );
}

"use client";

import { useParams } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { useAuth } from "@/components/auth/AuthProvider";
import { ApiError, createApiClient } from "@/lib/chat/api-client";
import type { AuthRequired } from "@/lib/connections/auth-required";
import {
  CONNECT_CHANNEL,
  isConnectedMessage,
  isOwnConnectedMessage,
} from "@/lib/connections/messages";

type State =
  | { kind: "idle" }
  | { kind: "waiting" }
  | { kind: "retrying" }
  | { kind: "retried" }
  | { kind: "error"; message: string };

const noSubscription = () => () => undefined;

/** Only our own consent page is opened: a tool result cannot send the user anywhere else. */
function ownConnectLink(url: string): boolean {
  try {
    const u = new URL(url, window.location.href);
    return u.origin === window.location.origin && u.pathname.startsWith("/connect/");
  } catch {
    return false;
  }
}

/**
 * Below a turn whose tool call failed with `auth_required`: "Connect Twilio" opens the consent
 * page in a popup; when it reports success (a same-origin `postMessage`, or the app's
 * BroadcastChannel), or when the user presses Retry, the call is retried once in a hidden run
 * (`POST /api/conversations/:id/retry-tool`) whose answer appears as the next turn.
 */
export function ConnectCard({ failure }: { failure: AuthRequired }) {
  const { getAccessToken } = useAuth();
  const params = useParams<{ id?: string }>();
  const conversationId = params?.id;
  const api = useMemo(() => createApiClient(getAccessToken), [getAccessToken]);
  const [state, setState] = useState<State>({ kind: "idle" });
  const inFlight = useRef(false);
  // Decided in the browser only (the server renders no popup button).
  const linkOk = useSyncExternalStore(
    noSubscription,
    () => ownConnectLink(failure.connectUrl),
    () => false,
  );

  const retry = useCallback(async () => {
    if (!conversationId || inFlight.current) return;
    inFlight.current = true;
    setState({ kind: "retrying" });
    try {
      await api.retryToolCall(conversationId);
      setState({ kind: "retried" });
    } catch (err) {
      inFlight.current = false;
      setState({
        kind: "error",
        message: err instanceof ApiError ? err.message : "The call could not be retried.",
      });
    }
  }, [api, conversationId]);

  // Listen only after this card opened the consent page, and only until the retry started.
  useEffect(() => {
    if (state.kind !== "waiting") return;
    const matches = (data: unknown) =>
      isConnectedMessage(data) && data.provider === failure.provider;
    const onMessage = (e: MessageEvent) => {
      if (isOwnConnectedMessage(e, window.location.origin) && matches(e.data)) void retry();
    };
    window.addEventListener("message", onMessage);
    const channel =
      typeof BroadcastChannel !== "undefined" ? new BroadcastChannel(CONNECT_CHANNEL) : undefined;
    if (channel) channel.onmessage = (e: MessageEvent) => matches(e.data) && void retry();
    return () => {
      window.removeEventListener("message", onMessage);
      channel?.close();
    };
  }, [state.kind, failure.provider, retry]);

  const connect = () => {
    // Not `noopener`: the page reports back to its opener (our own origin only).
    window.open(failure.connectUrl, "foundry-connect", "popup,width=520,height=680");
    setState({ kind: "waiting" });
  };

  const done = state.kind === "retrying" || state.kind === "retried";
  return (
    <section
      aria-label={`Connect ${failure.displayName}`}
      data-testid="connect-card"
      className="my-2 rounded-lg border bg-card p-3 text-sm"
    >
      <p className="font-medium">
        {failure.displayName} is not connected, so{" "}
        <span className="font-mono">{failure.toolName}</span> could not run.
      </p>
      <div role="status" className="mt-1 text-xs text-muted-foreground">
        {state.kind === "idle" ? (
          <p>Connect your account, then the call is retried automatically.</p>
        ) : state.kind === "waiting" ? (
          <p>Finish connecting in the window that opened; the call is retried when you are done.</p>
        ) : state.kind === "retrying" ? (
          <p>Retrying the call…</p>
        ) : state.kind === "retried" ? (
          <p>Retried. The result follows below.</p>
        ) : null}
      </div>
      {state.kind === "error" ? (
        <p role="alert" className="mt-2 rounded-md bg-destructive/10 px-2 py-1.5 text-destructive">
          {state.message}
        </p>
      ) : null}
      {!done ? (
        <div className="mt-2 flex flex-wrap gap-2">
          {linkOk ? (
            <button
              type="button"
              onClick={connect}
              className="rounded-md bg-primary px-3 py-1.5 font-medium text-primary-foreground hover:opacity-90 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring"
            >
              Connect {failure.displayName}
            </button>
          ) : null}
          <button
            type="button"
            onClick={() => void retry()}
            disabled={!conversationId}
            className="rounded-md border px-3 py-1.5 hover:bg-muted focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring disabled:opacity-60"
          >
            Retry
          </button>
        </div>
      ) : null}
    </section>
  );
}

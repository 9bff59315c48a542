"use client";

import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import type { ChatEvent } from "@/lib/chat/events";
import { subscribeToConversation, type StreamStatus } from "@/lib/chat/client/event-stream";
import { emptyPageView, reducePage } from "@/lib/chat/client/view-state";

/**
 * Follows one conversation's event stream (replay, then live) and folds it into a view. The
 * stream client resumes with Last-Event-ID after a drop, and the reducer ignores any seq it has
 * seen, so the page shows every event once. `stop(runId)` shows a run as stopped at once and
 * hides what still arrives of it (lib/chat/client/view-state.ts).
 */
export function useConversationStream(
  conversationId: string | undefined,
  getAccessToken: () => Promise<string>,
  onEvent?: (e: ChatEvent) => void,
) {
  const [{ view }, dispatch] = useReducer(reducePage, undefined, emptyPageView);
  const [status, setStatus] = useState<{ state: StreamStatus; detail?: string }>({
    state: "connecting",
  });
  const [loadedFor, setLoadedFor] = useState<string>();
  // The open stream always calls the latest callbacks without being restarted by them.
  const callbacks = useRef({ getAccessToken, onEvent });
  useEffect(() => {
    callbacks.current = { getAccessToken, onEvent };
  });

  useEffect(() => {
    dispatch({ type: "reset" });
    if (!conversationId) return;
    const controller = new AbortController();
    let caughtUp = false;
    void subscribeToConversation({
      url: `/api/conversations/${conversationId}/events`,
      getAccessToken: () => callbacks.current.getAccessToken(),
      signal: controller.signal,
      onEvent: (event) => {
        dispatch({ type: "event", event });
        callbacks.current.onEvent?.(event);
      },
      onStatus: (state, detail) => {
        setStatus({ state, detail });
        if (state === "open" && !caughtUp) {
          caughtUp = true;
          setLoadedFor(conversationId);
        }
        if (state === "error") setLoadedFor(conversationId);
      },
    });
    return () => controller.abort();
  }, [conversationId]);

  const stop = useCallback(
    (runId: string) => dispatch({ type: "stop", runId, at: new Date().toISOString() }),
    [],
  );

  return { view, status, loaded: loadedFor === conversationId, stop };
}

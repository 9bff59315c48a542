"use client";

import { useEffect, useSyncExternalStore } from "react";
import { CONNECT_CHANNEL, connectedMessage } from "@/lib/connections/messages";

/** How long "Connected" stays visible before the popup closes itself. */
export const CLOSE_AFTER_MS = 1500;

/**
 * Tells the chat that opened the popup (and the app's other tabs) that Composio is connected. The
 * opener may be gone after the trip through Composio's pages (a cross-origin navigation can sever
 * it), so the BroadcastChannel message is what usually arrives.
 */
function announceConnected(): void {
  const message = connectedMessage("composio");
  const opener = window.opener as Window | null;
  if (opener) opener.postMessage(message, window.location.origin);
  if (typeof BroadcastChannel !== "undefined") {
    const channel = new BroadcastChannel(CONNECT_CHANNEL);
    channel.postMessage(message);
    channel.close();
  }
}

const noSubscription = () => () => undefined;

/** Composio appends `status=success|failed` to the callback URL. */
function statusOfUrl(): "success" | "failed" {
  return new URLSearchParams(window.location.search).get("status") === "success"
    ? "success"
    : "failed";
}

export function ComposioDone() {
  // Read in the browser only (the server renders nothing here).
  const status = useSyncExternalStore(noSubscription, statusOfUrl, () => "pending" as const);

  useEffect(() => {
    if (status !== "success") return;
    announceConnected();
    const timer = setTimeout(() => window.close(), CLOSE_AFTER_MS);
    return () => clearTimeout(timer);
  }, [status]);

  if (status === "pending") return null;
  if (status === "failed")
    return (
      <div role="alert" className="mt-3">
        <p className="font-semibold">The account was not connected</p>
        <p className="mt-2 text-sm text-muted-foreground">
          Composio did not finish connecting it. Close this window and ask the assistant to try the
          tool again for a fresh link.
        </p>
      </div>
    );
  return (
    <p role="status" className="mt-6 rounded-md bg-accent px-3 py-2 text-sm text-accent-foreground">
      Connected. You can close this window.
    </p>
  );
}

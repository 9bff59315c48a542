"use client";

import { useEffect, useSyncExternalStore } from "react";
import { CLOSE_AFTER_MS, announceConnected } from "@/lib/connections/messages";

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
    announceConnected("composio");
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

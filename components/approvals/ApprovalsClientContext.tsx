"use client";

import { createContext, useContext, useMemo, type ReactNode } from "react";
import { createApprovalsClient, type ApprovalsClient } from "@/lib/approvals/api-client";

const Context = createContext<ApprovalsClient | null>(null);

/**
 * Gives approval cards and pages the approvals API client. Without it an approval card shows the
 * request and its state, but no decide controls.
 */
export function ApprovalsClientProvider({
  getAccessToken,
  children,
}: {
  getAccessToken: () => Promise<string>;
  children: ReactNode;
}) {
  const client = useMemo(() => createApprovalsClient(getAccessToken), [getAccessToken]);
  return <Context.Provider value={client}>{children}</Context.Provider>;
}

export function useApprovalsClient(): ApprovalsClient | null {
  return useContext(Context);
}

/** Tells the pending-count badge (and anything else listening) that a decision was taken here. */
export const APPROVALS_CHANGED_EVENT = "approvals:changed";

export function announceApprovalsChanged(): void {
  window.dispatchEvent(new Event(APPROVALS_CHANGED_EVENT));
}

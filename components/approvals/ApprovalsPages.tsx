"use client";

import { useAuth } from "@/components/auth/AuthProvider";
import { ApprovalDetail } from "./ApprovalDetail";
import { ApprovalsInbox } from "./ApprovalsInbox";

/** `/approvals` */
export function ApprovalsInboxPage() {
  const { getAccessToken } = useAuth();
  return <ApprovalsInbox getAccessToken={getAccessToken} />;
}

/** `/approvals/:id` */
export function ApprovalDetailPage({ id }: { id: string }) {
  const { getAccessToken } = useAuth();
  return <ApprovalDetail id={id} getAccessToken={getAccessToken} />;
}

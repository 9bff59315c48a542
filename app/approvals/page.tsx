import { ApprovalsInboxPage } from "@/components/approvals/ApprovalsShell";

/** Requests the user may decide, and their own; live. */
export default function ApprovalsPage() {
  return <ApprovalsInboxPage />;
}

import { ApprovalsInboxPage } from "@/components/approvals/ApprovalsPages";

/** Requests the user may decide, and their own; live. */
export default function ApprovalsPage() {
  return <ApprovalsInboxPage />;
}

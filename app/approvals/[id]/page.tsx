import { ApprovalDetailPage } from "@/components/approvals/ApprovalsPages";

/** One approval request (the MCP ledger's `approval_url`). */
export default async function ApprovalPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <ApprovalDetailPage id={id} />;
}

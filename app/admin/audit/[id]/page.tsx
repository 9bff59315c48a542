import type { Metadata } from "next";
import { AdminAuditEntryPage } from "@/components/admin/AdminPages";

export const metadata: Metadata = { title: "Audit entry · Foundry Agent Chat" };

/** One audit entry with its hash and link checked. Admins only. */
export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <AdminAuditEntryPage id={id} />;
}

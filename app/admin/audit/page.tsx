import type { Metadata } from "next";
import { AdminAuditPage } from "@/components/admin/AdminPages";

export const metadata: Metadata = { title: "Audit log · Foundry Agent Chat" };

/** The audit log: filter, detail, chain verification, export. Admins only. */
export default function Page() {
  return <AdminAuditPage />;
}

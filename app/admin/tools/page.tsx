import type { Metadata } from "next";
import { AdminToolsPage } from "@/components/admin/AdminPages";

export const metadata: Metadata = { title: "Tool catalog · Foundry Agent Chat" };

/** The MCP tools with their risk, approval, callers, annotations, schemas and policy. Admins only. */
export default function Page() {
  return <AdminToolsPage />;
}

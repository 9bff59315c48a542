import type { Metadata } from "next";
import { AdminUsagePage } from "@/components/admin/AdminPages";

export const metadata: Metadata = { title: "Usage · Foundry Agent Chat" };

/** MCP tool usage over a chosen period, as charts with tables. Admins only. */
export default function Page() {
  return <AdminUsagePage />;
}

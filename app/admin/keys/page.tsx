import type { Metadata } from "next";
import { AdminKeysPage } from "@/components/admin/AdminPages";

export const metadata: Metadata = { title: "MCP access keys · Foundry Agent Chat" };

/** MCP access keys: list, create (the key shown once), revoke. Admins only. */
export default function Page() {
  return <AdminKeysPage />;
}

import type { Metadata } from "next";
import { AdminShell } from "@/components/admin/AdminShell";
import { AuthGate } from "@/components/auth/AuthGate";
import { AuthProvider } from "@/components/auth/AuthProvider";

export const metadata: Metadata = { title: "Administration · Foundry Agent Chat" };

/** Administration pages, for a signed-in user (the pages themselves are for Admins only). */
export default function AdminLayout({ children }: { children: React.ReactNode }) {
  return (
    <AuthProvider>
      <AuthGate>
        <AdminShell>{children}</AdminShell>
      </AuthGate>
    </AuthProvider>
  );
}

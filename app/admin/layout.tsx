import type { Metadata } from "next";
import { PageShell } from "@/components/ui/PageShell";
import { AuthGate } from "@/components/auth/AuthGate";
import { AuthProvider } from "@/components/auth/AuthProvider";

export const metadata: Metadata = { title: "Administration · Foundry Agent Chat" };

/** Administration pages, for a signed-in user (the pages themselves are for Admins only). */
export default function AdminLayout({ children }: { children: React.ReactNode }) {
  return (
    <AuthProvider>
      <AuthGate>
        <PageShell>{children}</PageShell>
      </AuthGate>
    </AuthProvider>
  );
}

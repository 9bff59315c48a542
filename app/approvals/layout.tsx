import type { Metadata } from "next";
import { PageShell } from "@/components/ui/PageShell";
import { AuthGate } from "@/components/auth/AuthGate";
import { AuthProvider } from "@/components/auth/AuthProvider";

export const metadata: Metadata = { title: "Approvals · Foundry Agent Chat" };

/** The approver inbox and single requests, for a signed-in user. */
export default function ApprovalsLayout({ children }: { children: React.ReactNode }) {
  return (
    <AuthProvider>
      <AuthGate>
        <PageShell>{children}</PageShell>
      </AuthGate>
    </AuthProvider>
  );
}

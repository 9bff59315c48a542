import type { Metadata } from "next";
import { AuthGate } from "@/components/auth/AuthGate";
import { AuthProvider } from "@/components/auth/AuthProvider";
import { PageShell } from "@/components/ui/PageShell";

export const metadata: Metadata = { title: "Connections · Foundry Agent Chat" };

/** The signed-in user's provider connections and tool consents. */
export default function ConnectionsLayout({ children }: { children: React.ReactNode }) {
  return (
    <AuthProvider>
      <AuthGate>
        <PageShell>{children}</PageShell>
      </AuthGate>
    </AuthProvider>
  );
}

import type { Metadata } from "next";
import { AuthProvider } from "@/components/auth/AuthProvider";
import { CallbackStatus } from "./CallbackStatus";

export const metadata: Metadata = {
  title: "Signing in · Foundry Agent Chat",
  robots: { index: false, follow: false },
};

/**
 * Redirect URI of both sign-in flows. AuthProvider completes the code exchange (local IdP) or lets
 * MSAL handle the response (Entra), then returns the user to the page they started from.
 */
export default function AuthCallbackPage() {
  return (
    <AuthProvider>
      <CallbackStatus />
    </AuthProvider>
  );
}

"use client";

import type { ReactNode } from "react";
import { useAuth } from "./AuthProvider";
import { SignInScreen } from "./SignInScreen";

/** Renders its children for a signed-in user, the sign-in screen otherwise. */
export function AuthGate({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  if (status === "signed-in") return <>{children}</>;
  if (status === "loading") {
    return (
      <div
        role="status"
        className="flex min-h-full items-center justify-center text-sm text-muted-foreground"
      >
        Checking your sign-in…
      </div>
    );
  }
  return <SignInScreen />;
}

"use client";

import Link from "next/link";
import { useAuth } from "@/components/auth/AuthProvider";
import { SignInScreen } from "@/components/auth/SignInScreen";

/** The provider completes the sign-in and navigates back; this only tells the user what is happening. */
export function CallbackStatus() {
  const { status } = useAuth();
  if (status === "error") return <SignInScreen />;
  if (status === "signed-out") {
    return (
      <main className="flex min-h-full flex-col items-center justify-center gap-4 px-4 text-center">
        <p>There is no sign-in to complete here.</p>
        <Link href="/" className="font-medium text-primary underline">
          Go to Foundry Agent Chat
        </Link>
      </main>
    );
  }
  return (
    <main className="flex min-h-full items-center justify-center px-4">
      <p role="status" aria-live="polite" className="text-sm text-muted-foreground">
        {status === "signed-in" ? "Signed in. Taking you back…" : "Signing you in…"}
      </p>
    </main>
  );
}

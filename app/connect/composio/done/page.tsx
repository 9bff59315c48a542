import type { Metadata } from "next";
import { ComposioDone } from "./ComposioDone";

export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "Connect an account · Foundry Agent Chat",
  referrer: "no-referrer",
  robots: { index: false, follow: false },
};

/**
 * Where Composio sends the popup back after its Connect Link (`?status=success|failed&…`). On
 * success it tells the chat, which retries the tool call (lib/connections/messages.ts).
 */
export default function ComposioDonePage() {
  return (
    <main className="flex min-h-dvh items-center justify-center p-6">
      <section className="w-full max-w-md rounded-xl border bg-card p-6 text-card-foreground shadow-sm">
        <p className="text-xs font-semibold tracking-wide text-primary uppercase">
          Connect an account
        </p>
        <h1 className="mt-1 text-xl font-semibold">Composio</h1>
        <ComposioDone />
      </section>
    </main>
  );
}

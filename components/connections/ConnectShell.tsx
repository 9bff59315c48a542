import type { ReactNode } from "react";

/** The card every connect popup page shows: an eyebrow, the heading, then the page's own content. */
export function ConnectShell({ heading, children }: { heading: string; children: ReactNode }) {
  return (
    <main className="flex min-h-dvh items-center justify-center p-6">
      <section className="w-full max-w-md rounded-xl border bg-card p-6 text-card-foreground shadow-sm">
        <p className="text-xs font-semibold tracking-wide text-primary uppercase">
          Connect an account
        </p>
        <h1 className="mt-1 text-xl font-semibold">{heading}</h1>
        {children}
      </section>
    </main>
  );
}

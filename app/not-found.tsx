import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "Page not found · Foundry Agent Chat" };

/** Any unknown address: says so in words, inside a main landmark, with a way back to the chat. */
export default function NotFound() {
  return (
    <main className="flex min-h-full items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm text-center">
        <p className="text-sm font-semibold text-primary">404</p>
        <h1 className="mt-2 text-2xl font-semibold tracking-tight">Page not found</h1>
        <p className="mt-2 text-sm text-muted-foreground">
          There is nothing at this address. It may have been mistyped, or the page has moved.
        </p>
        <Link
          href="/"
          className="mt-8 inline-flex min-h-10 items-center justify-center rounded-lg bg-primary px-4 text-sm font-semibold text-primary-foreground hover:opacity-90"
        >
          Go to Foundry Agent Chat
        </Link>
      </div>
    </main>
  );
}

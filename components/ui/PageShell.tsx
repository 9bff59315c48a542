"use client";

import { ArrowLeft } from "lucide-react";
import Link from "next/link";
import type { ReactNode } from "react";
import { UserMenu } from "@/components/auth/UserMenu";
import { ThemeToggle } from "./ThemeToggle";

/** The frame of pages beside the chat (approvals, connections, admin): back to the chat, theme, account. */
export function PageShell({ children }: { children: ReactNode }) {
  return (
    <div className="flex h-dvh flex-col">
      <header className="flex items-center gap-2 border-b px-3 py-2">
        <Link
          href="/"
          className="inline-flex min-h-9 items-center gap-1.5 rounded-md px-2 text-sm font-medium hover:bg-muted"
        >
          <ArrowLeft aria-hidden className="size-4" />
          Back to chat
        </Link>
        <span className="flex-1" />
        <ThemeToggle />
        <UserMenu />
      </header>
      <main className="min-h-0 flex-1 overflow-y-auto">{children}</main>
    </div>
  );
}

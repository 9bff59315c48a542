"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import { useAuth } from "@/components/auth/AuthProvider";
import { UserMenu } from "@/components/auth/UserMenu";
import { ThemeToggle } from "@/components/ui/ThemeToggle";
import { ROLES } from "@/lib/identity/principal";
import { AccessKeys } from "./AccessKeys";

/** The admin pages' frame: back to the chat, theme, account. */
export function AdminShell({ children }: { children: ReactNode }) {
  return (
    <div className="flex h-dvh flex-col">
      <header className="flex items-center gap-2 border-b px-3 py-2">
        <Link
          href="/"
          className="inline-flex min-h-9 items-center rounded-md px-2 text-sm font-medium hover:bg-muted"
        >
          <span aria-hidden>←&nbsp;</span>Back to chat
        </Link>
        <span className="flex-1" />
        <ThemeToggle />
        <UserMenu />
      </header>
      <main className="min-h-0 flex-1 overflow-y-auto">{children}</main>
    </div>
  );
}

/** Shown instead of an admin page to everyone else (the API refuses them anyway). */
export function AdminOnly({ children }: { children: ReactNode }) {
  const { account } = useAuth();
  if (account?.roles.includes(ROLES.admin)) return children;
  return (
    <div className="mx-auto w-full max-w-3xl px-4 py-6">
      <h1 className="text-xl font-semibold">MCP access keys</h1>
      <p role="alert" className="mt-4 rounded-md bg-muted px-3 py-2 text-sm">
        This page is for administrators.
      </p>
    </div>
  );
}

/** `/admin/keys` */
export function AdminKeysPage() {
  const { getAccessToken } = useAuth();
  return (
    <AdminOnly>
      <AccessKeys getAccessToken={getAccessToken} />
    </AdminOnly>
  );
}

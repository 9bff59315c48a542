"use client";

import type { ReactNode } from "react";
import { useAuth } from "@/components/auth/AuthProvider";
import { ROLES } from "@/lib/identity/principal";
import { AccessKeys } from "./AccessKeys";

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

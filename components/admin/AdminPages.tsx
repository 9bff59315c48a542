"use client";

import type { ReactNode } from "react";
import { useAuth } from "@/components/auth/AuthProvider";
import { ROLES } from "@/lib/identity/principal";
import { AccessKeys } from "./AccessKeys";
import { AdminNav } from "./AdminNav";
import { AuditEntry } from "./AuditEntry";
import { AuditLog } from "./AuditLog";
import { ToolCatalog } from "./ToolCatalog";
import { UsageDashboard } from "./UsageDashboard";

/**
 * An admin page with the navigation between admin pages, for Admins; everyone else sees only that
 * the page is for administrators (the API refuses them anyway, 403).
 */
export function AdminOnly({ title, children }: { title: string; children: ReactNode }) {
  const { account } = useAuth();
  if (account?.roles.includes(ROLES.admin))
    return (
      <>
        <AdminNav />
        {children}
      </>
    );
  return (
    <div className="mx-auto w-full max-w-3xl px-4 py-6">
      <h1 className="text-xl font-semibold">{title}</h1>
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
    <AdminOnly title="MCP access keys">
      <AccessKeys getAccessToken={getAccessToken} />
    </AdminOnly>
  );
}

/** `/admin/tools` */
export function AdminToolsPage() {
  const { getAccessToken } = useAuth();
  return (
    <AdminOnly title="Tool catalog">
      <ToolCatalog getAccessToken={getAccessToken} />
    </AdminOnly>
  );
}

/** `/admin/usage` */
export function AdminUsagePage() {
  const { getAccessToken } = useAuth();
  return (
    <AdminOnly title="Usage">
      <UsageDashboard getAccessToken={getAccessToken} />
    </AdminOnly>
  );
}

/** `/admin/audit` */
export function AdminAuditPage() {
  const { getAccessToken } = useAuth();
  return (
    <AdminOnly title="Audit log">
      <AuditLog getAccessToken={getAccessToken} />
    </AdminOnly>
  );
}

/** `/admin/audit/:id` */
export function AdminAuditEntryPage({ id }: { id: string }) {
  const { getAccessToken } = useAuth();
  return (
    <AdminOnly title="Audit entry">
      <AuditEntry id={id} getAccessToken={getAccessToken} />
    </AdminOnly>
  );
}

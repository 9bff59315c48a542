/** The administration pages, in the order the navigation and the account menu show them. */
export const ADMIN_LINKS = [
  { href: "/admin/tools", label: "Tool catalog" },
  { href: "/admin/usage", label: "Usage" },
  { href: "/admin/audit", label: "Audit log" },
  { href: "/admin/keys", label: "MCP access keys" },
] as const;

/** Who is calling, after the bearer token was verified (Entra or the local IdP, one code path). */
export interface Principal {
  /** `oid`: stable id of the user (or of the calling app for app-only tokens). */
  userId: string;
  tenantId: string;
  /** `preferred_username` (users) or the app id (apps). */
  username: string;
  name: string;
  roles: string[];
  /** Delegated scopes from `scp` (empty for app-only tokens). */
  scopes: string[];
  kind: "user" | "app";
  /** The verified raw token, kept only for On-Behalf-Of exchanges; never logged or forwarded. */
  token: string;
}

export const ROLES = { approver: "Approver", admin: "Admin" } as const;

export function hasRole(p: Principal, role: string): boolean {
  return p.roles.includes(role);
}

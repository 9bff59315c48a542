import type { Principal } from "@/lib/identity/principal";

/** A Principal as authenticate() would produce it, for data-layer tests that skip HTTP. */
export function testPrincipal(username: string, roles: string[] = []): Principal {
  return {
    userId: `oid-${username}`,
    tenantId: "tenant",
    username: `${username}@contoso.local`,
    name: username,
    roles,
    scopes: ["access_as_user"],
    kind: "user",
    token: "not-a-real-token",
  };
}

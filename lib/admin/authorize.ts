import { AppError } from "@/lib/errors";
import { hasRole, ROLES, type Principal } from "@/lib/identity/principal";

/**
 * Only a signed-in user with the Admin app role passes (an app token never does): the admin
 * pages' APIs answer everyone else 403 problem+json.
 */
export function requireAdmin(
  p: Principal,
  message = "Only administrators may see the administration pages.",
): void {
  if (p.kind !== "user" || !hasRole(p, ROLES.admin)) throw new AppError("forbidden", message);
}

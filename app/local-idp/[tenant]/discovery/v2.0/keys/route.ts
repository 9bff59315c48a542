import { tenantJwksHandler } from "@/lib/identity/local-idp/http";

// Entra's JWKS path, so the verifier builds the same URL in both modes.
export const dynamic = "force-dynamic";
export const GET = tenantJwksHandler;

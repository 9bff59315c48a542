import { tenantDiscoveryHandler } from "@/lib/identity/local-idp/http";

// Entra's layout: {authority}/{tenant}/v2.0/.well-known/openid-configuration, so OIDC clients
// that derive the document from the issuer find it.
export const dynamic = "force-dynamic";
export const GET = tenantDiscoveryHandler;

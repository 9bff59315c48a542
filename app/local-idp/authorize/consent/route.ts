import { consentHandler } from "@/lib/identity/local-idp/http";

// The consent page's form posts here (Allow / Deny).
export const dynamic = "force-dynamic";
export const POST = consentHandler;

import { signInHandler } from "@/lib/identity/local-idp/http";

// The sign-in page's form posts here (a page and a route cannot share one URL in Next).
export const dynamic = "force-dynamic";
export const POST = signInHandler;

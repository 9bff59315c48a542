import { tokenHandler, tokenPreflightHandler } from "@/lib/identity/local-idp/http";

export const dynamic = "force-dynamic";
export const POST = tokenHandler;
export const OPTIONS = tokenPreflightHandler;

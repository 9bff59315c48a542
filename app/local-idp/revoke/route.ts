import { revokeHandler } from "@/lib/identity/local-idp/http";

export const dynamic = "force-dynamic";
export const POST = revokeHandler;

import { json, route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Liveness: the process answers. */
export const GET = route(async () => json({ status: "ok" }));

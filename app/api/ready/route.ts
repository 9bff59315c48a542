import { pingDb } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { json, route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Readiness: the database answers (migrations ran when it opened). */
export const GET = route(async () => {
  try {
    await pingDb();
  } catch (cause) {
    throw new AppError("unavailable", "The database is not reachable yet.", { cause });
  }
  return json({ status: "ready" });
});

import { openDb, setDbHandle, type DbHandle } from "@/lib/db/client";
import { users } from "@/lib/db/schema";
import type { Principal } from "@/lib/identity/principal";
import { createScratchDatabase } from "./postgres";

export type DbKind = "pglite" | "postgres";

/** Opens a fresh, migrated database of the given kind and installs it as the app's database. */
export async function useFreshDb(
  kind: DbKind,
): Promise<{ handle: DbHandle; close: () => Promise<void> }> {
  if (kind === "pglite") {
    const handle = await openDb({ kind: "pglite", dir: null });
    setDbHandle(Promise.resolve(handle));
    return {
      handle,
      close: async () => {
        setDbHandle(undefined);
        await handle.close();
      },
    };
  }
  const scratch = await createScratchDatabase();
  const handle = await openDb({ kind: "postgres", url: scratch.url });
  setDbHandle(Promise.resolve(handle));
  return {
    handle,
    close: async () => {
      setDbHandle(undefined);
      await handle.close();
      await scratch.drop();
    },
  };
}

export async function insertUsers(handle: DbHandle, ...principals: Principal[]): Promise<void> {
  await handle.db
    .insert(users)
    .values(
      principals.map((p) => ({
        id: p.userId,
        tenantId: p.tenantId,
        username: p.username,
        name: p.name,
        roles: p.roles,
      })),
    )
    .onConflictDoNothing();
}

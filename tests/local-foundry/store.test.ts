import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/lib/db/client";
import { seedLocalAgents, EXAMPLE_AGENT_NAME } from "@/lib/local-foundry/seed";
import {
  createAgentVersion,
  listAgentVersions,
  listLatestAgentVersions,
} from "@/lib/local-foundry/store/agents";
import {
  appendItems,
  insertConversation,
  allItems,
  lockConversation,
} from "@/lib/local-foundry/store/conversations";
import { useFreshDb as openFreshDb, type DbKind } from "../helpers/db";

describe.each<DbKind>(["pglite", "postgres"])("local agent service store on %s", (kind) => {
  let handle: DbHandle;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ handle, close } = await openFreshDb(kind));
  });
  afterAll(async () => close?.());

  it("seeds the default and example agents once, even when starts race", async () => {
    await Promise.all(Array.from({ length: 5 }, () => seedLocalAgents(handle.db)));
    await seedLocalAgents(handle.db);
    const latest = await listLatestAgentVersions(handle.db);
    expect(latest.map((a) => [a.name, a.version])).toEqual(
      [
        ["assistant", 1],
        [EXAMPLE_AGENT_NAME, 1],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
  });

  it("numbers concurrently created versions without gaps or duplicates", async () => {
    await Promise.all(
      Array.from({ length: 4 }, () =>
        createAgentVersion(handle.db, "racer", { definition: { kind: "prompt", model: "m" } }),
      ),
    );
    expect((await listAgentVersions(handle.db, "racer")).map((v) => v.version)).toEqual([
      1, 2, 3, 4,
    ]);
  });

  it("keeps item order under concurrent appends to one conversation", async () => {
    const conv = await insertConversation(handle.db, {
      id: `conv_${kind}`,
      ownerId: "owner",
      metadata: null,
    });
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        handle.db.transaction(async (tx) => {
          await lockConversation(tx, "owner", conv.id);
          await appendItems(tx, conv.id, [
            { id: `a${i}`, type: "message" },
            { id: `b${i}`, type: "message" },
          ]);
        }),
      ),
    );
    const ids = (await allItems(handle.db, conv.id)).map((i) => String(i.id));
    expect(ids).toHaveLength(12);
    // Each append's two items stay adjacent: nothing interleaves.
    for (let i = 0; i < 12; i += 2) expect(ids[i]!.slice(1)).toBe(ids[i + 1]!.slice(1));
  });
});

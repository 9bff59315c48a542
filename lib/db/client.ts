import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import pg from "pg";
import { getConfig } from "@/lib/config";
import * as schema from "./schema";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type DbTarget = { kind: "pglite"; dir: string | null } | { kind: "postgres"; url: string };

export interface DbHandle {
  db: Db;
  kind: DbTarget["kind"];
  close(): Promise<void>;
}

const migrationsFolder = path.join(process.cwd(), "lib/db/migrations");
/** Serializes migrations across replicas sharing one Postgres. */
const MIGRATION_LOCK_KEY = 7_204_113;

/** Opens a database and brings it to the latest migration. `dir: null` is an in-memory PGlite. */
export async function openDb(target: DbTarget): Promise<DbHandle> {
  if (target.kind === "pglite") {
    if (target.dir) fs.mkdirSync(target.dir, { recursive: true });
    const client = target.dir ? new PGlite(target.dir) : new PGlite();
    const db = drizzlePglite(client, { schema });
    await migratePglite(db, { migrationsFolder });
    return { db: db as unknown as Db, kind: "pglite", close: () => client.close() };
  }
  const pool = new pg.Pool({ connectionString: target.url, max: 10 });
  const db = drizzlePg(pool, { schema });
  const conn = await pool.connect();
  try {
    await conn.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    await migratePg(db, { migrationsFolder });
  } finally {
    await conn.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => undefined);
    conn.release();
  }
  return { db: db as unknown as Db, kind: "postgres", close: () => pool.end() };
}

// One handle per process: Next may evaluate this module more than once (per route bundle, HMR),
// and PGlite must never open the same directory twice.
const KEY = Symbol.for("foundry-agent-chat.db");
type Holder = { [KEY]?: Promise<DbHandle> };

export function getDb(): Promise<Db> {
  const g = globalThis as Holder;
  if (!g[KEY]) {
    const cfg = getConfig().database;
    g[KEY] = openDb(cfg.kind === "pglite" ? { kind: "pglite", dir: cfg.dir } : cfg);
    g[KEY].catch(() => {
      delete g[KEY];
    });
  }
  return g[KEY].then((h) => h.db);
}

/** For tests and for readiness checks. */
export function setDbHandle(handle: Promise<DbHandle> | undefined): void {
  const g = globalThis as Holder;
  if (handle) g[KEY] = handle;
  else delete g[KEY];
}

export async function pingDb(): Promise<void> {
  const db = await getDb();
  await db.execute(sql`select 1`);
}

import type { Db } from "@/lib/db/client";

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
/** A database handle or an open transaction. */
export type Exec = Db | Tx;

import { Kysely, PostgresDialect, type Transaction } from "kysely";
import pg from "pg";
import type { DB } from "./schema.js";

// int8 as bigint: money is bigint minor units end to end and must never pass through a float.
pg.types.setTypeParser(20, (v) => BigInt(v));

export type Db = Kysely<DB>;
export type Tx = Transaction<DB>;
export type Executor = Db | Tx;

export interface Database {
  db: Db;
  pool: pg.Pool;
  close(): Promise<void>;
}

export function createDatabase(
  databaseUrl: string,
  opts: { max?: number; applicationName?: string } = {},
): Database {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: opts.max ?? 20,
    application_name: opts.applicationName ?? "costbridge",
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // A dropped connection (database restart) must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  pool.on("connect", (client) => {
    client.on("error", () => {});
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    pool,
    async close() {
      await db.destroy();
    },
  };
}

import { createHash } from "node:crypto";
import type pg from "pg";

const names = new Map<string, string>();
const preparedPools = new WeakMap<pg.Pool, pg.Pool>();

/** Where `runPrepared(pool, …)` sends its statements: connections set up to keep the generic plan. */
export function pairPreparedPool(main: pg.Pool, prepared: pg.Pool): void {
  preparedPools.set(main, prepared);
}

/**
 * Runs a compiled query as a named prepared statement, so PostgreSQL parses and plans it once per connection
 * instead of on every call (planning the busiest reads costs more than running them), on the pool's companion for
 * prepared statements when it has one (see createDatabase). For a few hot reads whose plan does not depend on the
 * values (unique keys, a company's first page by index): each distinct text gets its own name, derived from it.
 */
export async function runPrepared<R>(
  pool: pg.Pool,
  query: { sql: string; parameters: readonly unknown[] },
): Promise<R[]> {
  let name = names.get(query.sql);
  if (!name) {
    name = `cb_${createHash("sha256").update(query.sql).digest("hex").slice(0, 24)}`;
    names.set(query.sql, name);
  }
  const target = preparedPools.get(pool) ?? pool;
  const result = await target.query({ name, text: query.sql, values: [...query.parameters] });
  return result.rows as R[];
}

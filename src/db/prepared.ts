import { createHash } from "node:crypto";
import type pg from "pg";

const names = new Map<string, string>();

/**
 * Runs a compiled query as a named prepared statement, so PostgreSQL parses and plans it once per connection
 * instead of on every call (planning the busiest reads costs more than running them). For a few hot reads with a
 * bounded number of shapes: each distinct text gets its own name, derived from the text.
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
  const result = await pool.query({ name, text: query.sql, values: [...query.parameters] });
  return result.rows as R[];
}

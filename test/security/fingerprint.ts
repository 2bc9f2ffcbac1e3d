import type pg from "pg";

/** Tables a refused request may legitimately write: failed sign-ins are counted on purpose. */
const WRITTEN_BY_REFUSALS = new Set(["sign_in_failures"]);

/**
 * One digest over every row of every table (and the job queue), so "nothing was written" is a single comparison.
 * Cheap on a test database of a few hundred rows.
 */
export async function fingerprint(pool: pg.Pool): Promise<string> {
  const tables = await pool.query<{ name: string }>(
    `select quote_ident(table_name) as name from information_schema.tables
     where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
  );
  const parts = tables.rows
    .map((t) => t.name)
    .filter((n) => !WRITTEN_BY_REFUSALS.has(n))
    .map((n) => {
      // When a token was last used is bookkeeping of every request, not a write the request asked for.
      const rows =
        n === "auth_tokens" ? "(select id, user_id, kind, expires_at, revoked_at from auth_tokens)" : n;
      return `select '${n}' as t, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as h from ${rows} x`;
    });
  parts.push(
    `select 'jobs' as t, md5(coalesce(string_agg(j.task_id::text || j.payload::text || coalesce(j.key, ''), '|' order by j.id), '')) as h
     from graphile_worker._private_jobs j`,
  );
  const r = await pool.query<{ t: string; h: string }>(parts.join(" union all "));
  return r.rows
    .map((x) => `${x.t}:${x.h}`)
    .sort()
    .join(",");
}

/** The tables whose digest differs between two fingerprints. */
export function changedTables(before: string, after: string): string[] {
  const a = new Map(before.split(",").map((p) => p.split(":") as [string, string]));
  return after
    .split(",")
    .map((p) => p.split(":") as [string, string])
    .filter(([t, h]) => a.get(t) !== h)
    .map(([t]) => t);
}

import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { Logger, runMigrations as runWorkerMigrations } from "graphile-worker";
import pg from "pg";
import { packageRoot } from "../lib/package-root.js";

export const MIGRATIONS_DIR = path.join(packageRoot(), "migrations");

export interface MigrationFile {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await readFile(path.join(dir, file), "utf8");
      return {
        version: file.slice(0, 4),
        name: file.replace(/\.sql$/, ""),
        sql,
        checksum: createHash("sha256").update(sql).digest("hex"),
      };
    }),
  );
}

/** A stable fingerprint of all migrations, e.g. to name a template database. */
export async function migrationsFingerprint(dir = MIGRATIONS_DIR): Promise<string> {
  const all = await readMigrations(dir);
  return createHash("sha256")
    .update(all.map((m) => m.checksum).join(","))
    .digest("hex")
    .slice(0, 12);
}

// Several processes may start at once against one database: an advisory lock lets exactly one apply migrations.
const MIGRATION_LOCK = 7_204_117_001;

export interface MigrateResult {
  applied: string[];
}

/**
 * Applies forward-only SQL migrations, each in its own transaction and recorded in schema_migrations, then the
 * job queue's own schema. A migration whose file changed after it was applied stops the start.
 */
export async function migrate(databaseUrl: string, opts: { dir?: string } = {}): Promise<MigrateResult> {
  const migrations = await readMigrations(opts.dir);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await client.query(`create table if not exists schema_migrations (
      version text primary key, name text not null, checksum text not null,
      applied_at timestamptz not null default now())`);
    const done = new Map(
      (
        await client.query<{ version: string; checksum: string }>(
          "select version, checksum from schema_migrations",
        )
      ).rows.map((r) => [r.version, r.checksum]),
    );
    for (const m of migrations) {
      const previous = done.get(m.version);
      if (previous) {
        if (previous !== m.checksum) {
          throw new Error(
            `migration ${m.name} was changed after it was applied; add a new migration instead`,
          );
        }
        continue;
      }
      await client.query("begin");
      try {
        await client.query(m.sql);
        await client.query("insert into schema_migrations (version, name, checksum) values ($1, $2, $3)", [
          m.version,
          m.name,
          m.checksum,
        ]);
        await client.query("commit");
        applied.push(m.name);
      } catch (error) {
        await client.query("rollback");
        throw new Error(`migration ${m.name} failed: ${(error as Error).message}`);
      }
    }
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    pool.on("error", () => {});
    pool.on("connect", (c) => c.on("error", () => {}));
    try {
      await runWorkerMigrations({ pgPool: pool, logger: quietLogger() });
    } finally {
      await pool.end();
    }
  } finally {
    await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
    await client.end();
  }
  return { applied };
}

/** Migrations of this version not yet applied to the database (all of them on an empty one). */
export async function pendingMigrations(databaseUrl: string, opts: { dir?: string } = {}): Promise<string[]> {
  const migrations = await readMigrations(opts.dir);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const exists = await client.query("select to_regclass('schema_migrations') is not null as ok");
    if (!exists.rows[0]?.ok) return migrations.map((m) => m.name);
    const done = new Set(
      (await client.query<{ version: string }>("select version from schema_migrations")).rows.map(
        (r) => r.version,
      ),
    );
    return migrations.filter((m) => !done.has(m.version)).map((m) => m.name);
  } finally {
    await client.end();
  }
}

export function quietLogger(): Logger {
  return new Logger(() => () => {});
}

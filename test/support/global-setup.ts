import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { ensureDatabase, startEmbeddedCluster } from "../../src/db/embedded-postgres.js";
import { migrate, migrationsFingerprint } from "../../src/db/migrator.js";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplateDb: string;
  }
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/**
 * One PostgreSQL for the whole run (DATABASE_URL, or an embedded cluster of its own under .data/test-pg), and a
 * migrated template database that every test file clones: a fresh database per file in a few milliseconds.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let adminUrl: string;
  let stop: (() => Promise<void>) | null = null;
  if (process.env.DATABASE_URL) {
    adminUrl = withDatabase(process.env.DATABASE_URL, "postgres");
  } else {
    const cluster = await startEmbeddedCluster(path.resolve(".data/test-pg"), { database: "postgres" });
    adminUrl = cluster.urlFor("postgres");
    if (cluster.startedHere) stop = () => cluster.stop();
  }
  const template = `cb_template_${await migrationsFingerprint()}`;
  await ensureDatabase(adminUrl, template);
  await migrate(withDatabase(adminUrl, template));
  // Clones need the template free of connections; migrate closed its own.
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin
    .query(`update pg_database set datistemplate = true where datname = $1`, [template])
    .catch(() => {});
  // Drop databases left by an interrupted earlier run.
  const stale = await admin.query<{ datname: string }>(
    "select datname from pg_database where datname like 'cb_test_%' or (datname like 'cb_template_%' and datname <> $1)",
    [template],
  );
  for (const r of stale.rows) {
    await admin
      .query(`update pg_database set datistemplate = false where datname = $1`, [r.datname])
      .catch(() => {});
    await admin.query(`drop database if exists "${r.datname}" with (force)`).catch(() => {});
  }
  await admin.end();
  project.provide("pgAdminUrl", adminUrl);
  project.provide("pgTemplateDb", template);
  return async () => {
    if (stop) await stop();
  };
}

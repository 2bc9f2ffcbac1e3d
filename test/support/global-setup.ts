import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { ensureDatabase, startEmbeddedCluster } from "../../src/db/embedded-postgres.js";
import { migrate, migrationsFingerprint } from "../../src/db/migrator.js";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplateDb: string;
    pgRunId: string;
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
    // Several runs may share the test cluster on a workstation; only CI, which runs alone, stops it afterwards.
    if (cluster.startedHere && process.env.CI) stop = () => cluster.stop();
  }
  const template = `cb_template_${await migrationsFingerprint()}`;
  const runId = randomBytes(3).toString("hex");
  await ensureDatabase(adminUrl, template);
  await migrate(withDatabase(adminUrl, template));
  // Clones need the template free of connections; migrate closed its own.
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin
    .query(`update pg_database set datistemplate = true where datname = $1`, [template])
    .catch(() => {});
  await admin.end();
  project.provide("pgAdminUrl", adminUrl);
  project.provide("pgTemplateDb", template);
  project.provide("pgRunId", runId);
  return async () => {
    // Remove this run's databases even when a test file failed to drop its own.
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    const mine = await c.query<{ datname: string }>("select datname from pg_database where datname like $1", [
      `cb_test_${runId}_%`,
    ]);
    for (const r of mine.rows)
      await c.query(`drop database if exists "${r.datname}" with (force)`).catch(() => {});
    await c.end();
    if (stop) await stop();
  };
}

import { Command } from "commander";
import { seedDemoBase } from "../app/demo-seed.js";
import { ConfigError, parseEnv } from "../config/env.js";
import { createDatabase } from "../db/database.js";
import { migrate } from "../db/migrator.js";
import { resolveDatabase } from "../runtime/database.js";
import { whenOrphaned } from "../runtime/orphan-watch.js";
import { resolveSecrets } from "../runtime/secrets.js";
import { createLogger, type RunningProduct, startProduct } from "../runtime/start.js";
import { extraCommands } from "./extra-commands.js";

function loadConfig(overrides: Record<string, string> = {}) {
  try {
    return resolveSecrets(parseEnv({ ...process.env, ...overrides }));
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

/**
 * Runs the product until SIGINT or SIGTERM (or, under npm, the end of the npm process), then stops it cleanly. The
 * handlers are in place before the start begins: a signal during the start stops the product once it is up, so the
 * embedded PostgreSQL it may have started is never left behind.
 */
async function serve(roles: { web: boolean; worker: boolean }, banner: boolean) {
  const config = loadConfig();
  let product: RunningProduct | null = null;
  let requested: string | null = null;
  let stopping = false;
  const stop = async (reason: string) => {
    requested ??= reason;
    if (!product || stopping) return;
    stopping = true;
    product.ctx.log.info(`${requested}; stopping`);
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    try {
      await product.stop();
      process.exit(0);
    } catch (e) {
      process.stderr.write(`stop failed: ${(e as Error).message}\n`);
      process.exit(1);
    }
  };
  process.on("SIGINT", () => void stop("SIGINT received"));
  process.on("SIGTERM", () => void stop("SIGTERM received"));
  whenOrphaned(() => void stop("npm, which started this process, has ended"));
  try {
    product = await startProduct(config, { ...roles, banner });
  } catch (e) {
    process.stderr.write(`Costbridge could not start: ${(e as Error).message}\n`);
    process.exit(1);
  }
  if (requested) await stop(requested);
  else product.ctx.log.info({ ...roles, pid: process.pid }, "running; SIGINT or SIGTERM stops it");
}

const program = new Command("costbridge").description(
  "Costbridge: construction budgets to QuickBooks through accounting acceptance",
);

program
  .command("start")
  .description("web, worker and (without DATABASE_URL) the demo, in one process")
  .action(() => serve({ web: true, worker: true }, true));
program
  .command("web")
  .description("the HTTP server only (scale out beside `costbridge worker`)")
  .action(() => serve({ web: true, worker: false }, false));
program
  .command("worker")
  .description("the job worker only: exports, emails, the daily summary")
  .action(() => serve({ web: false, worker: true }, false));

program
  .command("migrate")
  .description("apply database migrations")
  .action(async () => {
    const config = loadConfig();
    const database = await resolveDatabase(config, { owner: false });
    try {
      const { applied } = await migrate(database.url);
      process.stdout.write(applied.length ? `applied: ${applied.join(", ")}\n` : "already up to date\n");
    } finally {
      await database.release();
    }
  });

program
  .command("seed")
  .description("seed data")
  .option("--demo", "the demo companies, people and projects")
  .action(async (opts: { demo?: boolean }) => {
    if (!opts.demo) {
      process.stderr.write("nothing to seed: pass --demo\n");
      process.exit(2);
    }
    const config = loadConfig();
    const database = await resolveDatabase(config, { owner: false });
    const { db, pool, close } = createDatabase(database.url, { max: 2 });
    try {
      await migrate(database.url);
      const ctx = {
        config,
        db,
        pool,
        log: createLogger(config),
        now: () => new Date(),
        readiness: { migrated: true, seeded: true, workerRunning: () => false },
      };
      const { seeded } = await seedDemoBase(ctx);
      process.stdout.write(seeded ? "demo data seeded\n" : "demo data already present\n");
    } finally {
      await close();
      await database.release();
    }
  });

for (const add of extraCommands) add(program, loadConfig);

program.parseAsync(process.argv).catch((e) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});

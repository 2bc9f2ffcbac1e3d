import os from "node:os";
import pino, { type Logger } from "pino";
import type { AppContext } from "../app/context.js";
import { seedDemoBase } from "../app/demo-seed.js";
import { startMailRuntime } from "../app/email/runtime.js";
import type { Config } from "../config/env.js";
import { createDatabase } from "../db/database.js";
import { migrate, pendingMigrations } from "../db/migrator.js";
import { type App, buildHttpApp } from "../http/app.js";
import { allRoutes } from "../http/routes/index.js";
import { crontab } from "../jobs/catalog.js";
import { allTasks } from "../jobs/tasks.js";
import { type RunningWorker, startWorker } from "../jobs/worker.js";
import { resolveDatabase } from "./database.js";
import { demoExtras } from "./demo.js";
import { ensureWebBuild } from "./web-build.js";
import { startWorkerHealth, type WorkerHealthServer } from "./worker-health.js";

export interface StartOptions {
  web: boolean;
  worker: boolean;
  /** Print the sign-in banner (the interactive `start`). */
  banner?: boolean;
  logger?: Logger;
}

export interface RunningProduct {
  url: string;
  ctx: AppContext;
  app: App | null;
  stop(): Promise<void>;
}

/** The product's logger; `destination` receives the lines instead of stdout (tests read what would be logged). */
export function createLogger(config: Pick<Config, "logLevel">, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        "*.password",
        "*.token",
        "*.access_token",
        "*.refresh_token",
        "*.accessToken",
        "*.refreshToken",
      ],
      censor: "[redacted]",
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Starts Costbridge: database, migrations, demo data, worker and web, as the options ask. */
export async function startProduct(config: Config, opts: StartOptions): Promise<RunningProduct> {
  const log = opts.logger ?? createLogger(config);
  const say = (m: string) => log.info(m);
  const database = await resolveDatabase(config, { owner: true, log: say });
  const { db, pool, close } = createDatabase(database.url, {
    max: config.databasePoolSize ?? (opts.web && opts.worker ? 20 : 10),
    applicationName: applicationName(opts, config),
  });
  let worker: RunningWorker | null = null;
  const ctx: AppContext = {
    config,
    db,
    pool,
    log,
    now: () => new Date(),
    readiness: {
      migrated: false,
      seeded: !config.demo,
      workerRunning: () => !opts.worker || Boolean(worker?.isRunning()),
    },
  };
  let app: App | null = null;
  let mail: Awaited<ReturnType<typeof startMailRuntime>> | null = null;
  let health: WorkerHealthServer | null = null;
  const extras = config.demo ? await demoExtras(ctx) : null;
  try {
    if (config.migrateOnStart) {
      say("applying pending migrations at start (MIGRATE_ON_START=on)");
      const { applied } = await migrate(database.url);
      say(applied.length ? `applied migrations: ${applied.join(", ")}` : "the database is up to date");
    } else {
      const pending = await pendingMigrations(database.url);
      if (pending.length) {
        throw new Error(
          `the database lacks ${pending.length} migration(s) of this version (${pending.join(", ")}); ` +
            "run `costbridge migrate` first, or set MIGRATE_ON_START=on",
        );
      }
    }
    ctx.readiness.migrated = true;
    if (config.demo) await seedDemoBase(ctx);
    if (opts.worker) {
      mail = await startMailRuntime(ctx);
      worker = await startWorker({
        pool,
        tasks: allTasks(ctx, { mailer: mail.mailer }),
        concurrency: config.workerConcurrency,
        crontab: crontab(),
        // Stable across restarts (WORKER_ID, else the host's name, plus a free slot number): a restarted worker
        // frees what its killed predecessor held at once.
        identity: config.workerId ?? os.hostname(),
        log,
      });
      if (!opts.web && config.workerHealthPort !== null) {
        health = await startWorkerHealth(() => worker, { port: config.workerHealthPort, host: config.host });
        say(`worker health on port ${health.port}: /healthz, /metrics`);
      }
    }
    if (opts.web) {
      const webDist = await ensureWebBuild(say).catch((e: Error) => {
        log.error({ err: e.message }, "the web UI could not be built; serving the API only");
        return null;
      });
      app = await buildHttpApp(ctx, { routes: allRoutes, webDist, mounts: extras?.mounts ?? [] });
      await app.listen({ port: config.port, host: config.host });
    }
    if (extras) await extras.afterListen();
    ctx.readiness.seeded = true;
  } catch (e) {
    await app?.close().catch(() => {});
    await health?.close().catch(() => {});
    await worker?.stop().catch(() => {});
    await mail?.stop().catch(() => {});
    await extras?.stop().catch(() => {});
    await close().catch(() => {});
    await database.release().catch(() => {});
    throw e;
  }
  const url = config.publicUrl;
  if (opts.banner) printBanner(config, url);
  let stopping: Promise<void> | null = null;
  return {
    url,
    ctx,
    app,
    stop() {
      stopping ??= (async () => {
        await app?.close().catch((e) => log.warn({ err: String(e) }, "web stop failed"));
        await health?.close().catch(() => {});
        await worker?.stop().catch((e) => log.warn({ err: String(e) }, "worker stop failed"));
        await mail?.stop().catch(() => {});
        await extras?.stop().catch(() => {});
        await close().catch(() => {});
        await database.release();
      })();
      return stopping;
    },
  };
}

/** `costbridge-<kind>-<id>` in pg_stat_activity: which process holds which connections. */
function applicationName(opts: Pick<StartOptions, "web" | "worker">, config: Config): string {
  const kind = opts.web && opts.worker ? "start" : opts.web ? "web" : "worker";
  const id = `${config.workerId ?? os.hostname()}-${process.pid}`;
  return `costbridge-${kind}-${id}`.slice(0, 63);
}

function printBanner(config: Config, url: string) {
  const lines = ["", `  Costbridge is running at ${url}`, ""];
  if (config.demo) {
    lines.push(
      "  Demo sign-ins (password: demo):",
      "    pm@acme.test          project manager, Acme Builders (QuickBooks Online)",
      "    approver@acme.test    accounting approver, Acme Builders",
      "    viewer@acme.test      ERP Standard without the privilege, Acme Builders",
      "    admin@acme.test       company admin, Acme Builders",
      "    approver@zenith.test  accounting approver, Zenith Construction (QuickBooks Desktop)",
      "    admin@zenith.test     company admin, Zenith Construction",
      "",
      `  Operator token: ${config.operatorToken}`,
      `  API docs: ${url}/docs`,
      "",
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

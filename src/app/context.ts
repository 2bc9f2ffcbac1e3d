import type pg from "pg";
import type { Logger } from "pino";
import type { Config } from "../config/env.js";
import type { Db } from "../db/database.js";

/** What every use case and route may use. Built once at start; nothing else reads the environment. */
export interface AppContext {
  config: Config;
  db: Db;
  pool: pg.Pool;
  log: Logger;
  now: () => Date;
  readiness: Readiness;
}

export interface Readiness {
  migrated: boolean;
  seeded: boolean;
  workerRunning: () => boolean;
}

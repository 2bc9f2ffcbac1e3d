import pino from "pino";
import type { AppContext } from "../../src/app/context.js";
import { type Config, parseEnv } from "../../src/config/env.js";
import { type App, buildHttpApp } from "../../src/http/app.js";
import { allRoutes } from "../../src/http/routes/index.js";
import { resolveSecrets } from "../../src/runtime/secrets.js";
import { createTestDatabase, type TestDatabase } from "./db.js";

export const TEST_OPERATOR_TOKEN = "op_test_operator_token_0123456789";

export function testConfig(databaseUrl: string, overrides: Record<string, string> = {}): Config {
  return resolveSecrets(
    parseEnv({
      DATABASE_URL: databaseUrl,
      DEMO: "off",
      SECRET_KEY: "test-secret-key-0123456789-abcdefghijklmnop",
      OPERATOR_TOKEN: TEST_OPERATOR_TOKEN,
      PUBLIC_URL: "http://costbridge.test",
      LOG_LEVEL: "silent",
      ...overrides,
    }),
  );
}

export interface TestApp {
  app: App;
  ctx: AppContext;
  database: TestDatabase;
  close(): Promise<void>;
}

/** The real HTTP app on a fresh database, driven through fastify's inject (no port needed). */
export async function createTestApp(
  opts: { now?: () => Date; env?: Record<string, string> } = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = testConfig(database.url, opts.env);
  const ctx: AppContext = {
    config,
    db: database.db,
    pool: database.pool,
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    now: opts.now ?? (() => new Date()),
    readiness: { migrated: true, seeded: true, workerRunning: () => true },
  };
  const app = await buildHttpApp(ctx, { routes: allRoutes, webDist: null, checkResponses: true });
  await app.ready();
  return {
    app,
    ctx,
    database,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}

import pg from "pg";
import { type StartedQboEmulator, startQboEmulator } from "../../emulators/quickbooks-online/index.js";
import type { AppContext } from "../../src/app/context.js";
import { createQboService, type QboService } from "../../src/app/erp/qbo-service.js";
import type { RateGate } from "../../src/erp/quickbooks-online/rate-gate.js";
import { allTasks } from "../../src/jobs/tasks.js";
import { type RunningWorker, startWorker } from "../../src/jobs/worker.js";
import { createTestApp, type TestApp } from "./app.js";

export interface ExportWorld extends TestApp, Omit<ExportSide, "stop"> {
  qbo: StartedQboEmulator;
  service: QboService;
  worker: RunningWorker;
  /** Connects a company to the emulator's default realm, as an admin's consent would. */
  connectQuickBooksOnline(companyId: string): Promise<string>;
  /** The emulator's control-plane state of the default realm. */
  realm(): Promise<Record<string, Record<string, unknown>[]>>;
  /** A control-plane call on the emulator (faults, out-of-band edits, deletes). */
  control(method: string, path: string, body?: unknown): Promise<Response>;
}

const silent = { info() {}, warn() {}, error() {} };

export interface ExportSide {
  service: QboService;
  worker: RunningWorker;
  connectQuickBooksOnline(companyId: string): Promise<string>;
  realm(): Promise<Record<string, Record<string, unknown>[]>>;
  control(method: string, path: string, body?: unknown): Promise<Response>;
  stop(): Promise<void>;
}

/** Env that points the product's QuickBooks Online client at an emulator. */
export function emulatorEnv(qbo: StartedQboEmulator): Record<string, string> {
  return {
    QUICKBOOKS_ENVIRONMENT: qbo.url,
    QUICKBOOKS_CLIENT_ID: qbo.emulator.clientId,
    QUICKBOOKS_CLIENT_SECRET: qbo.emulator.clientSecret,
    QUICKBOOKS_THROTTLE_BACKOFF_SECONDS: "1",
  };
}

/**
 * The real job worker running every task against the app's database, with the QuickBooks Online connector of the
 * app's config (pointed at the emulator by `emulatorEnv`).
 */
export async function startExportSide(
  ctx: AppContext,
  databaseUrl: string,
  qbo: StartedQboEmulator,
  opts: { rateGate?: RateGate } = {},
): Promise<ExportSide> {
  const service = createQboService(ctx.config, ctx.db, opts.rateGate ? { rateGate: opts.rateGate } : {});
  // The worker gets a pool of its own so its listener and jobs never wait behind a test's requests.
  const workerPool = new pg.Pool({ connectionString: databaseUrl, max: 6 });
  workerPool.on("error", () => {});
  workerPool.on("connect", (client) => client.on("error", () => {}));
  const worker = await startWorker({
    pool: workerPool,
    tasks: allTasks(ctx, { connectors: { quickbooks_online: service.connector } }),
    concurrency: 4,
    log: silent,
  });
  const control = (method: string, path: string, body?: unknown) =>
    fetch(`${qbo.url}/__emulator/${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
  return {
    service,
    worker,
    control,
    async connectQuickBooksOnline(companyId) {
      const realmId = qbo.emulator.defaultRealmId;
      const tokens = qbo.emulator.issueTokens(realmId);
      const now = new Date();
      const sealed = service.vault.encode({
        realmId,
        accessToken: tokens.access_token,
        accessTokenExpiresAt: new Date(now.getTime() + tokens.expires_in * 1000),
        refreshToken: tokens.refresh_token,
        refreshTokenExpiresAt: new Date(now.getTime() + tokens.x_refresh_token_expires_in * 1000),
      });
      await ctx.db
        .insertInto("erp_connections")
        .values({
          company_id: companyId,
          type: "quickbooks_online",
          status: "connected",
          ...sealed,
          connected_at: now,
          company_name: "Emulated QuickBooks Online company",
        })
        .execute();
      return realmId;
    },
    async realm() {
      const res = await control("GET", "state");
      const body = (await res.json()) as {
        realms: Record<string, Record<string, Record<string, unknown>[]>>;
      };
      return body.realms[qbo.emulator.defaultRealmId]!;
    },
    async stop() {
      await worker.stop();
      await workerPool.end();
    },
  };
}

/**
 * The real HTTP app on a fresh database, the real job worker running every task against that database, and a
 * QuickBooks Online emulator on its own port that the worker's connector talks to over HTTP.
 */
export async function createExportWorld(
  opts: { env?: Record<string, string>; now?: () => Date } = {},
): Promise<ExportWorld> {
  const qbo = await startQboEmulator({ port: 0 });
  const t = await createTestApp({
    ...(opts.now ? { now: opts.now } : {}),
    env: { ...emulatorEnv(qbo), ...opts.env },
  });
  const side = await startExportSide(t.ctx, t.database.url, qbo);
  return {
    ...t,
    ...side,
    qbo,
    async close() {
      await side.stop();
      await t.close();
      await qbo.close();
    },
  };
}

/** Polls until `check` returns a value (not undefined), or throws with the last value seen after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${opts.what ?? "a condition"}${last ? `: ${String(last)}` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}

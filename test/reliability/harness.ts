import { Writable } from "node:stream";
import pg from "pg";
import { expect } from "vitest";
import { type StartedQboEmulator, startQboEmulator } from "../../emulators/quickbooks-online/index.js";
import type { AppContext } from "../../src/app/context.js";
import { createQboService, type QboService } from "../../src/app/erp/qbo-service.js";
import { createDatabase } from "../../src/db/database.js";
import { createQboConnector, InProcessRateGate } from "../../src/erp/quickbooks-online/index.js";
import { type App, buildHttpApp } from "../../src/http/app.js";
import { allRoutes } from "../../src/http/routes/index.js";
import { allTasks } from "../../src/jobs/tasks.js";
import { type RunningWorker, startWorker } from "../../src/jobs/worker.js";
import { createLogger } from "../../src/runtime/start.js";
import { testConfig } from "../support/app.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { EVERY_RIGHT, makeCompany, makeUser } from "../support/factories.js";

export const RELAXED_LIMITS = {
  perMinute: 100_000,
  perSecond: 10_000,
  concurrent: 1000,
  batchPerMinute: 1000,
};

export type Json = Record<string, unknown>;

export interface Product {
  app: App;
  ctx: AppContext;
  database: TestDatabase;
  emu: StartedQboEmulator;
  qbo: QboService;
  /** Every line the product logged (pino JSON, level debug and up). */
  logs: string[];
  /** Every response body the tests saw, for the secret scan. */
  responses: string[];
  workers: RunningWorker[];
  call(
    method: string,
    url: string,
    opts?: { auth?: Record<string, string>; body?: unknown },
  ): Promise<{ status: number; json: Json; text: string }>;
  control(method: string, path: string, body?: unknown): Promise<Json>;
  /** A worker process's worth: its own pool, its own token manager, the real task list. */
  startWorker(opts?: {
    timeoutMs?: number;
    heartbeatMs?: number;
    deadAfterMs?: number;
  }): Promise<RunningWorker>;
  close(): Promise<void>;
}

/**
 * The whole product on a fresh database: the real HTTP app, real job workers, and QuickBooks Online as the
 * emulator on its own port (as Intuit would be), with the product's own logger captured.
 */
export async function startProduct(
  opts: { env?: Record<string, string>; databaseUrl?: string } = {},
): Promise<Product> {
  const emu = await startQboEmulator({ port: 0, limits: RELAXED_LIMITS });
  // A database of the caller's (a server it controls) or a fresh one on the shared test cluster.
  const database: TestDatabase = opts.databaseUrl
    ? (() => {
        const d = createDatabase(opts.databaseUrl!, { max: 10 });
        return { ...d, url: opts.databaseUrl!, name: "", drop: () => d.close() };
      })()
    : await createTestDatabase();
  const config = testConfig(database.url, {
    QUICKBOOKS_ENVIRONMENT: emu.url,
    QUICKBOOKS_CLIENT_ID: emu.emulator.clientId,
    QUICKBOOKS_CLIENT_SECRET: emu.emulator.clientSecret,
    QUICKBOOKS_THROTTLE_BACKOFF_SECONDS: "1",
    LOG_LEVEL: "debug",
    ...opts.env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const ctx: AppContext = {
    config,
    db: database.db,
    pool: database.pool,
    log: createLogger(config, sink),
    now: () => new Date(),
    readiness: { migrated: true, seeded: true, workerRunning: () => true },
  };
  const app = await buildHttpApp(ctx, { routes: allRoutes, webDist: null });
  await app.ready();
  const qbo = createQboService(config, database.db);
  const workers: RunningWorker[] = [];
  const pools: pg.Pool[] = [];
  const responses: string[] = [];

  const product: Product = {
    app,
    ctx,
    database,
    emu,
    qbo,
    logs,
    responses,
    workers,
    async call(method, url, o = {}) {
      const res = await app.inject({
        method: method as "GET",
        url,
        headers: o.auth ?? {},
        ...(o.body !== undefined ? { payload: o.body as Json } : {}),
      });
      responses.push(res.body);
      let json: Json = {};
      try {
        json = res.json();
      } catch {}
      return { status: res.statusCode, json, text: res.body };
    },
    async control(method, path, body) {
      const res = await fetch(`${emu.url}/__emulator${path}`, {
        method,
        ...(body === undefined
          ? {}
          : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
      });
      if (!res.ok) throw new Error(`emulator ${method} ${path} → ${res.status} ${await res.text()}`);
      return res.status === 204 ? {} : ((await res.json()) as Json);
    },
    async startWorker(w = {}) {
      // Each worker is a process of its own: its own pool and its own token manager (no in-process sharing).
      const pool = new pg.Pool({ connectionString: database.url, max: 6 });
      pool.on("error", () => {});
      pool.on("connect", (c) => c.on("error", () => {}));
      pools.push(pool);
      const own = createQboService(config, database.db);
      const connector = createQboConnector({
        endpoints: own.endpoints,
        tokens: own.tokens,
        rateGate: new InProcessRateGate({ perSecond: 1000, perMinute: 100_000, concurrent: 50 }),
        throttleBackoffSeconds: config.quickbooks.throttleBackoffSeconds,
        timeoutMs: w.timeoutMs ?? 5_000,
      });
      const worker = await startWorker({
        pool,
        tasks: allTasks(ctx, { connectors: { quickbooks_online: connector } }),
        concurrency: 4,
        log: ctx.log,
        ...(w.heartbeatMs ? { heartbeatMs: w.heartbeatMs } : {}),
        ...(w.deadAfterMs ? { deadAfterMs: w.deadAfterMs } : {}),
      });
      workers.push(worker);
      return worker;
    },
    async close() {
      // Each step is bounded: a fault test may leave a request or a job hanging on purpose, and tearing the scene
      // down must not wait for it (what is left goes with the test process). A step that overruns is named.
      for (const w of workers) await bounded("worker stop", w.stop());
      for (const p of pools) await bounded("worker pool end", p.end());
      await bounded("app close", app.close());
      await bounded("database drop", database.drop());
      await bounded("emulator close", emu.close());
    },
  };
  return product;
}

async function bounded(step: string, work: Promise<unknown>, ms = 8_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), ms);
  });
  const outcome = await Promise.race([
    work.then(
      () => "done" as const,
      () => "done" as const,
    ),
    late,
  ]);
  clearTimeout(timer);
  if (outcome === "late")
    process.stderr.write(`test teardown: ${step} did not finish in ${ms} ms; moving on\n`);
}

export interface Tenant {
  companyId: string;
  realmId: string;
  user: Awaited<ReturnType<typeof makeUser>>;
  auth: Record<string, string>;
  costCodes: string[];
}

/**
 * A company of its own on a QuickBooks company (realm) of its own, connected through the real OAuth flow, with
 * one user holding every right (sender and approver; separation of duties is off by default).
 */
export async function newTenant(p: Product, name: string): Promise<Tenant> {
  const companyId = await makeCompany(p.ctx, { name });
  const user = await makeUser(p.ctx, companyId, EVERY_RIGHT);
  const auth = user.auth;
  const cp = `/api/v1/companies/${companyId}`;
  const costCodes = ["03-300", "26-100"];
  for (const code of costCodes) {
    const r = await p.call("POST", `${cp}/cost-codes`, { auth, body: { code, description: `Code ${code}` } });
    expect(r.status).toBe(201);
  }
  for (const [code, n] of [
    ["L", "Labor"],
    ["M", "Material"],
  ]) {
    expect((await p.call("POST", `${cp}/categories`, { auth, body: { code, name: n } })).status).toBe(201);
  }
  const settings = await p.call("PATCH", `${cp}/settings`, {
    auth,
    body: { defaultParentCustomer: "Acme Builders Jobs", createMissingItems: true },
  });
  expect(settings.status).toBe(200);
  const { realmId } = (await p.control("POST", "/realms")) as { realmId: string };
  await connect(p, { companyId, realmId, auth });
  return { companyId, realmId, user, auth, costCodes };
}

let consentQueue: Promise<unknown> = Promise.resolve();

/** Connect (or reconnect) QuickBooks Online as an admin does: the API's authorize URL, consent, the callback. */
export function connect(p: Product, t: Pick<Tenant, "companyId" | "realmId" | "auth">): Promise<void> {
  // The emulator's consent page answers for one realm at a time: connections made in parallel take turns.
  const run = consentQueue.then(() => connectNow(p, t));
  consentQueue = run.catch(() => {});
  return run;
}

async function connectNow(p: Product, t: Pick<Tenant, "companyId" | "realmId" | "auth">) {
  await p.control("PUT", "/consent", { mode: "allow", realmId: t.realmId });
  const start = await p.call(
    "POST",
    `/api/v1/companies/${t.companyId}/erp/connection/quickbooks-online/connect`,
    { auth: t.auth },
  );
  expect(start.status).toBe(200);
  const consent = await fetch(String(start.json.authorizeUrl), { redirect: "manual" });
  expect(consent.status).toBe(302);
  const back = new URL(consent.headers.get("location")!);
  expect(back.searchParams.get("realmId")).toBe(t.realmId);
  const cb = await p.app.inject({ url: `${back.pathname}${back.search}`, headers: t.auth });
  expect(cb.statusCode).toBe(302);
  expect(cb.headers.location).toContain("connected=1");
}

let projectSeq = 0;

/** A new project with a locked budget, sent to ERP; returns the ids. */
export async function sentBudget(
  p: Product,
  t: Tenant,
  lines: [string, string, string][] = [
    ["03-300", "L", "1250.00"],
    ["26-100", "M", "800.10"],
  ],
) {
  projectSeq += 1;
  const number = `R-${projectSeq}`;
  const name = `Reliability ${projectSeq}`;
  const cp = `/api/v1/companies/${t.companyId}`;
  const project = await p.call("POST", `${cp}/projects`, { auth: t.auth, body: { number, name } });
  expect(project.status).toBe(201);
  const projectId = String(project.json.id);
  const base = `${cp}/projects/${projectId}/budget`;
  for (const [costCode, category, originalBudget] of lines) {
    const r = await p.call("POST", `${base}/lines`, {
      auth: t.auth,
      body: { costCode, category, originalBudget },
    });
    expect(r.status).toBe(201);
  }
  expect((await p.call("POST", `${base}/lock`, { auth: t.auth })).status).toBe(200);
  const sent = await p.call("POST", `${base}/send-to-erp`, { auth: t.auth });
  expect(sent.status).toBe(201);
  return {
    projectId,
    base,
    submissionId: String(sent.json.id),
    number,
    name,
  };
}

export async function accept(p: Product, t: Tenant, submissionId: string) {
  const r = await p.call(
    "POST",
    `/api/v1/companies/${t.companyId}/erp/budget-submissions/${submissionId}/accept`,
    { auth: t.auth },
  );
  expect(r.status).toBe(202);
}

export async function submission(p: Product, t: Tenant, submissionId: string) {
  const r = await p.call("GET", `/api/v1/companies/${t.companyId}/erp/budget-submissions/${submissionId}`, {
    auth: t.auth,
  });
  expect(r.status).toBe(200);
  return r.json as Json & { status: string; export: Json | null };
}

/** Waits until the submission leaves `exporting` (or the condition holds); returns its detail. */
export async function settled(
  p: Product,
  t: Tenant,
  submissionId: string,
  opts: { timeoutMs?: number; until?: (s: Json & { status: string }) => boolean } = {},
) {
  const until = opts.until ?? ((s) => s.status !== "exporting");
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    const s = await submission(p, t, submissionId);
    if (until(s)) return s;
    if (Date.now() > deadline) throw new Error(`submission still ${s.status}: ${JSON.stringify(s.export)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The estimates QuickBooks holds for the project's job (by its display name, as the export names jobs). */
export async function estimatesOf(p: Product, t: Tenant, projectName: string) {
  const state = (await p.control("GET", "/state")) as { realms: Record<string, Record<string, Json[]>> };
  const realm = state.realms[t.realmId]!;
  const jobs = realm.Customer!.filter((c) => c.DisplayName === projectName);
  const ids = new Set(jobs.map((j) => String(j.Id)));
  return {
    jobs,
    estimates: realm.Estimate!.filter((e) => ids.has(String((e.CustomerRef as Json).value))),
  };
}

/** Every value that must never show up in logs, API responses or error messages. */
export async function knownSecrets(p: Product): Promise<string[]> {
  const secrets = new Set<string>([
    p.ctx.config.secretKey,
    p.ctx.config.operatorToken,
    p.emu.emulator.clientSecret,
  ]);
  const conns = await p.ctx.db.selectFrom("erp_connections").select("company_id").execute();
  for (const c of conns) {
    const tokens = await p.qbo.vault.read(c.company_id).catch(() => null);
    if (tokens) {
      secrets.add(tokens.accessToken);
      secrets.add(tokens.refreshToken);
    }
  }
  const hashes = await p.ctx.db.selectFrom("users").select("password_hash").execute();
  for (const h of hashes) if (h.password_hash) secrets.add(h.password_hash);
  return [...secrets].filter((s) => s && s.length >= 8);
}

/** Which of `secrets` occur in `texts`, named by a harmless prefix. */
export function leaks(texts: string[], secrets: string[]): string[] {
  const all = texts.join("\n");
  return secrets.filter((s) => all.includes(s)).map((s) => `${s.slice(0, 4)}… (${s.length} chars)`);
}

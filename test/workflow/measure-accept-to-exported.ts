/**
 * Prints how long an accepted budget takes to reach `exported` (confirmed by reading the estimate back from the
 * QuickBooks Online emulator): the real HTTP app, the real job worker and the emulator on loopback, on a fresh
 * database of the test PostgreSQL cluster (DATABASE_URL, or the embedded one under .data/test-pg).
 *
 *   npx tsx test/workflow/measure-accept-to-exported.ts [runs=10] [lines=20] [perSecond=8]
 *
 * perSecond is the client's pacing per QuickBooks company (the product's default is 8, under QuickBooks' 10).
 *
 * Measures, never asserts: numbers depend on the machine.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import pino from "pino";
import { startQboEmulator } from "../../emulators/quickbooks-online/index.js";
import type { AppContext } from "../../src/app/context.js";
import { createDatabase } from "../../src/db/database.js";
import { ensureDatabase, startEmbeddedCluster } from "../../src/db/embedded-postgres.js";
import { migrate } from "../../src/db/migrator.js";
import { InProcessRateGate } from "../../src/erp/quickbooks-online/rate-gate.js";
import { buildHttpApp } from "../../src/http/app.js";
import { allRoutes } from "../../src/http/routes/index.js";
import { testConfig } from "../support/app.js";
import { emulatorEnv, startExportSide } from "../support/worker.js";
import { CATEGORIES, COST_CODES, makeProject, makeWorkflowCompany } from "./world.js";

const runs = Number(process.argv[2] ?? 10);
const lineCount = Math.min(Number(process.argv[3] ?? 20), COST_CODES.length * CATEGORIES.length);
const perSecond = Number(process.argv[4] ?? 8);

function withDatabase(url: string, db: string) {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { min: s[0]!, median: at(0.5), p90: at(0.9), max: s[s.length - 1]! };
}

async function main() {
  let adminUrl: string;
  let stopCluster: (() => Promise<void>) | null = null;
  if (process.env.DATABASE_URL) {
    adminUrl = withDatabase(process.env.DATABASE_URL, "postgres");
  } else {
    const cluster = await startEmbeddedCluster(path.resolve(".data/test-pg"), { database: "postgres" });
    adminUrl = cluster.urlFor("postgres");
    if (cluster.startedHere) stopCluster = () => cluster.stop();
  }
  const dbName = `cb_measure_${randomBytes(4).toString("hex")}`;
  await ensureDatabase(adminUrl, dbName);
  const url = withDatabase(adminUrl, dbName);
  await migrate(url);
  const database = createDatabase(url, { max: 10 });
  const qbo = await startQboEmulator({ port: 0 });
  const ctx: AppContext = {
    config: testConfig(url, emulatorEnv(qbo)),
    db: database.db,
    pool: database.pool,
    log: pino({ level: "silent" }),
    now: () => new Date(),
    readiness: { migrated: true, seeded: true, workerRunning: () => true },
  };
  const app = await buildHttpApp(ctx, { routes: allRoutes, webDist: null });
  await app.ready();
  // The emulator enforces QuickBooks' limits too; lift them when measuring faster pacing than QuickBooks allows.
  if (perSecond > 10) qbo.emulator.setLimits({ perSecond: 1000, perMinute: 100_000, concurrent: 100 });
  const side = await startExportSide(ctx, url, qbo, {
    rateGate: new InProcessRateGate({ perSecond, perMinute: Math.max(400, perSecond * 60) }),
  });
  try {
    const co = await makeWorkflowCompany(ctx);
    await side.connectQuickBooksOnline(co.companyId);
    const call = async (
      method: "GET" | "POST",
      u: string,
      auth: Record<string, string>,
      payload?: object,
    ) => {
      const res = await app.inject({ method, url: u, headers: auth, ...(payload ? { payload } : {}) });
      if (res.statusCode >= 300) throw new Error(`${method} ${u} → ${res.statusCode} ${res.body}`);
      return res.json();
    };
    const pairs = COST_CODES.flatMap(([code]) => CATEGORIES.map(([cat]) => [code, cat] as const)).slice(
      0,
      lineCount,
    );
    const wall: number[] = [];
    const server: number[] = [];
    console.log(
      `accept → exported, ${runs} runs, ${pairs.length} lines each, QBO emulator on loopback, ` +
        `client pacing ${perSecond} requests/s per company`,
    );
    for (let i = 0; i < runs; i++) {
      const p = await makeProject(ctx, co.companyId, { number: `M-${i}`, name: `Measured ${i}` });
      const base = `/api/v1/companies/${co.companyId}/projects/${p.id}/budget`;
      for (const [costCode, category] of pairs) {
        await call("POST", `${base}/lines`, co.pm.auth, {
          costCode,
          category,
          originalBudget: `${1000 + i}.${String(pairs.length).padStart(2, "0")}`,
        });
      }
      await call("POST", `${base}/lock`, co.pm.auth);
      const sub = await call("POST", `${base}/send-to-erp`, co.pm.auth);
      const t0 = performance.now();
      await call(
        "POST",
        `/api/v1/companies/${co.companyId}/erp/budget-submissions/${sub.id}/accept`,
        co.approver.auth,
      );
      let row: { status: string; decided_at: Date | null; exported_at: Date | null } | undefined;
      for (;;) {
        row = await ctx.db
          .selectFrom("submissions")
          .select(["status", "decided_at", "exported_at"])
          .where("company_id", "=", co.companyId)
          .where("id", "=", sub.id)
          .executeTakeFirst();
        if (row && row.status !== "exporting") break;
        await new Promise((r) => setTimeout(r, 2));
      }
      const t1 = performance.now();
      if (row?.status !== "exported") throw new Error(`run ${i}: ended ${row?.status}`);
      wall.push(t1 - t0);
      server.push(row.exported_at!.getTime() - row.decided_at!.getTime());
      console.log(
        `run ${String(i + 1).padStart(2)}: ${(t1 - t0).toFixed(1)} ms (accept request to exported seen), ` +
          `${server.at(-1)} ms (decided_at → exported_at)`,
      );
    }
    const w = stats(wall);
    const s = stats(server);
    console.log(
      `wall   min ${w.min.toFixed(1)}  median ${w.median.toFixed(1)}  p90 ${w.p90.toFixed(1)}  max ${w.max.toFixed(1)} ms`,
    );
    console.log(`server min ${s.min}  median ${s.median}  p90 ${s.p90}  max ${s.max} ms`);
    const log = (await (await side.control("GET", "requests")).json()) as { items: unknown[] };
    console.log(
      `QuickBooks API requests made: ${log.items.length} (${(log.items.length / runs).toFixed(1)} per export)`,
    );
  } finally {
    await side.stop();
    await app.close();
    await database.close();
    await qbo.close();
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`drop database if exists "${dbName}" with (force)`);
    await c.end();
    if (stopCluster) await stopCluster();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

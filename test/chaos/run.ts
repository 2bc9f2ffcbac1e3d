/**
 * Crash test: the real product (`node bin/costbridge.js start`, demo mode, embedded PostgreSQL in a temporary
 * DATA_DIR) exports a batch of accepted budgets to QuickBooks Online (the demo's mounted emulator, which stores
 * its state under DATA_DIR before answering, so whatever QuickBooks acknowledged survives the kill) while the
 * product's whole process tree is SIGKILLed at chosen and random moments:
 * right after the accept, during a QuickBooks call, and right after QuickBooks stored an estimate but before the
 * product could record it. The embedded PostgreSQL runs detached and survives the kills, by design.
 *
 * Commitments go through beside them when the build exports purchase orders (ERP Integrations › Commitments and a
 * QuickBooks Online connector that writes them): approved commitments, sent, accepted in the same burst, and one
 * kill lands right after QuickBooks stored a purchase order. Without that feature the run says so and leaves the
 * commitment checks out.
 *
 * After the last restart every accepted submission must be exported within 60 s and QuickBooks must hold exactly
 * one estimate per project and one purchase order per commitment. Prints `N passed, M failed` and exits non-zero on
 * failure.
 *
 *   npx tsx test/chaos/run.ts [--batch 12] [--commitments 6] [--kills 5|6] [--seed N] [--keep]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { freePort, startEmbeddedCluster } from "../../src/db/embedded-postgres.js";
import { callJson, type Json } from "../support/http-json.js";
import {
  commitmentSubmissionsMissing,
  insertSentCommitment,
  purchaseOrdersFor,
  type SentCommitment,
} from "./sent-commitments.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { values: args } = parseArgs({
  options: {
    batch: { type: "string", default: "12" },
    commitments: { type: "string", default: "6" },
    // 5, or 6 when commitments go through (one more chosen moment: after a purchase order was stored).
    kills: { type: "string" },
    seed: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});
const BATCH = Number(args.batch);
const COMMITMENTS = Number(args.commitments);
let KILLS = Number(args.kills ?? 5);
let seed = Number(args.seed ?? Date.now() % 1_000_000);
const SEED = seed;
/** A small deterministic generator, so a failing run can be repeated with --seed. */
function random(): number {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
}

const results: { name: string; ok: boolean; detail?: string }[] = [];
function check(name: string, ok: boolean, detail?: string) {
  results.push({ name, ok, ...(detail ? { detail } : {}) });
  process.stdout.write(`${ok ? "  ok  " : "  FAIL"} ${name}${detail ? ` — ${detail}` : ""}\n`);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (m: string) => process.stdout.write(`[chaos ${new Date().toISOString().slice(11, 23)}] ${m}\n`);

const dataDir = mkdtempSync(path.join(tmpdir(), "cb-chaos-"));
const logFile = path.join(dataDir, "product.log");
let port: number;
let base: string;
let child: ChildProcess | null = null;

function startProductProcess(): ChildProcess {
  const out = openSync(logFile, "a");
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  for (const k of [
    "DATABASE_URL",
    "QUICKBOOKS_ENVIRONMENT",
    "QUICKBOOKS_CLIENT_ID",
    "QUICKBOOKS_CLIENT_SECRET",
  ]) {
    delete env[k];
  }
  Object.assign(env, {
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: "127.0.0.1",
    PUBLIC_URL: base,
    DEMO: "on",
    DEMO_WEB_CONNECTOR: "off",
    QUICKBOOKS_THROTTLE_BACKOFF_SECONDS: "1",
    LOG_LEVEL: "warn",
  });
  // A process group of its own: one signal reaches the product and anything it spawned.
  return spawn(process.execPath, [path.join(ROOT, "bin/costbridge.js"), "start"], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ["ignore", out, out],
  });
}

async function waitHealthy(timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.status === 200) return Date.now() - started;
    } catch {}
    if (child?.exitCode !== null && child?.exitCode !== undefined) {
      throw new Error(`the product exited (${child.exitCode}); see ${logFile}`);
    }
    if (Date.now() - started > timeoutMs)
      throw new Error(`not healthy after ${timeoutMs} ms; see ${logFile}`);
    await sleep(100);
  }
}

async function killTree(why: string) {
  if (!child?.pid) return;
  const c = child;
  log(`SIGKILL the product's process tree (${why})`);
  const exited = new Promise<void>((r) => c.once("exit", () => r()));
  try {
    process.kill(-c.pid!, "SIGKILL");
  } catch {}
  await exited;
  child = null;
}

function api(method: string, url: string, token?: string, body?: unknown) {
  return callJson(base, method, url, token, body);
}

async function signIn(email: string): Promise<string> {
  return String((await api("POST", "/api/v1/auth/token", undefined, { email, password: "demo" })).json.token);
}

const emulator = () => `${base}/emulators/quickbooks-online/__emulator`;

async function realmState(): Promise<Record<string, Json[]>> {
  const r = (await (await fetch(`${emulator()}/state`)).json()) as {
    defaultRealmId: string;
    realms: Record<string, Record<string, Json[]>>;
  };
  return r.realms[r.defaultRealmId]!;
}

async function estimateCount(): Promise<number> {
  return ((await realmState()).Estimate ?? []).length;
}

async function purchaseOrderCount(): Promise<number> {
  return ((await realmState()).PurchaseOrder ?? []).length;
}

/** Every QuickBooks call takes a while, so the kills land inside exports, not between them (kept in memory). */
async function slowQuickBooks() {
  await fetch(`${emulator()}/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ path: "^/v3/company/", mode: "delay", delayMs: 120, count: 100_000 }),
  });
}

async function main() {
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  log(`seed ${SEED}, batch ${BATCH}, DATA_DIR ${dataDir}`);

  child = startProductProcess();
  log(`started (pid ${child.pid}); ready after ${await waitHealthy(180_000)} ms`);
  const admin = await signIn("admin@acme.test");
  const approver = await signIn("approver@acme.test");
  const companies = (await api("GET", "/api/v1/me", admin)).json.companies as { id: string; name: string }[];
  const acme = companies.find((c) => c.name === "Acme Builders")!.id;
  const cp = `/api/v1/companies/${acme}`;

  const connection = (await api("GET", `${cp}/erp/connection`, admin)).json;
  check(
    "Acme is connected to QuickBooks Online",
    connection.status === "connected",
    String(connection.status),
  );

  // The batch: each project gets two lines, is locked and sent.
  const codes = ((await api("GET", `${cp}/cost-codes`, admin)).json.items as { code: string }[]).map(
    (c) => c.code,
  );
  const batch: { projectId: string; name: string; submissionId: string }[] = [];
  for (let i = 0; i < BATCH; i++) {
    const name = `Chaos ${SEED}-${i}`;
    const project = (await api("POST", `${cp}/projects`, admin, { number: `C${SEED}-${i}`, name })).json;
    const b = `${cp}/projects/${project.id}/budget`;
    await api("POST", `${b}/lines`, admin, {
      costCode: codes[i % codes.length],
      category: "L",
      originalBudget: `${1000 + i}.25`,
    });
    await api("POST", `${b}/lines`, admin, {
      costCode: codes[(i + 1) % codes.length],
      category: "M",
      originalBudget: "99.99",
    });
    await api("POST", `${b}/lock`, admin);
    const sent = (await api("POST", `${b}/send-to-erp`, admin)).json;
    batch.push({ projectId: String(project.id), name, submissionId: String(sent.id) });
  }
  // Commitments: approved, each on a project of its own, sent (written as Send to ERP leaves them), over two
  // vendors QuickBooks does not know yet.
  const missing =
    COMMITMENTS > 0 ? await commitmentSubmissionsMissing(base, acme, approver) : "none asked for";
  const commitments: (SentCommitment & { name: string })[] = [];
  if (missing) {
    log(`commitments not exercised: ${missing}`);
  } else {
    const me = (await api("GET", "/api/v1/me", admin)).json;
    const userId = String((me.user as Json).id);
    const cluster = await startEmbeddedCluster(dataDir);
    const pool = new pg.Pool({ connectionString: cluster.databaseUrl, max: 1 });
    try {
      for (let i = 0; i < COMMITMENTS; i++) {
        const name = `Chaos PO ${SEED}-${i}`;
        const project = (await api("POST", `${cp}/projects`, admin, { number: `CP${SEED}-${i}`, name })).json;
        const sent = await insertSentCommitment(pool, {
          companyId: acme,
          projectId: String(project.id),
          vendorName: `Chaos Vendor ${SEED}-${i % 2}`,
          number: `SC-${SEED}-${i}`,
          title: `Chaos package ${i}`,
          kind: i % 2 ? "purchase_order" : "subcontract",
          userId,
          lines: [
            {
              costCode: codes[i % codes.length]!,
              category: "L",
              description: "Labor",
              amount: `${2000 + i}.10`,
            },
            {
              costCode: codes[(i + 2) % codes.length]!,
              category: "M",
              description: "Material",
              amount: "450.55",
            },
          ],
        });
        commitments.push({ ...sent, name });
      }
    } finally {
      await pool.end();
    }
  }
  await slowQuickBooks();
  const decided = await api("POST", `${cp}/erp/budget-submissions/decisions`, approver, {
    decisions: batch.map((b) => ({ submissionId: b.submissionId, action: "accept" })),
  });
  const accepted = (decided.json.results as { ok: boolean }[]).filter((r) => r.ok).length;
  check(`all ${BATCH} submissions accepted`, accepted === BATCH, `${accepted} accepted`);
  if (commitments.length > 0) {
    const d = await api("POST", `${cp}/erp/commitment-submissions/decisions`, approver, {
      decisions: commitments.map((c) => ({ submissionId: c.submissionId, action: "accept" })),
    });
    const ok = ((d.json.results as { ok: boolean }[] | undefined) ?? []).filter((r) => r.ok).length;
    check(
      `all ${commitments.length} commitment submissions accepted`,
      ok === commitments.length,
      `${d.status}, ${ok} accepted`,
    );
  }

  // The kills: the first three at chosen moments, the rest at random ones.
  if (args.kills === undefined && commitments.length > 0) KILLS = 6;
  log(`${BATCH} budgets and ${commitments.length} commitments accepted; ${KILLS} kills`);
  const moments = [
    "right after the accept",
    "during a QuickBooks call",
    "after QuickBooks stored an estimate",
    ...(commitments.length > 0 ? ["after QuickBooks stored a purchase order"] : []),
  ];
  for (let k = 0; k < KILLS; k++) {
    const moment = moments[k] ?? "at a random moment";
    if (moment === "during a QuickBooks call") {
      const seen = await requestCount();
      await until(async () => (await requestCount()) > seen, 30_000);
      // Each call takes 120 ms, so this lands inside the next one.
      await sleep(10 + random() * 90);
    } else if (moment === "after QuickBooks stored an estimate") {
      const count = await estimateCount();
      await until(async () => (await estimateCount()) > count, 30_000, 5);
    } else if (moment === "after QuickBooks stored a purchase order") {
      const count = await purchaseOrderCount();
      await until(async () => (await purchaseOrderCount()) > count, 30_000, 5);
    } else if (moment === "at a random moment") {
      await sleep(200 + random() * 2500);
    }
    await killTree(moment);
    child = startProductProcess();
    const ready = await waitHealthy(60_000);
    if (k < KILLS - 1) await slowQuickBooks();
    // The export the killed process held must be picked up at once, not after the queue's lock timeout.
    const readyAt = Date.now();
    let pickup: number | null = null;
    while (Date.now() - readyAt < 15_000) {
      if ((await requestCount()) > 0) {
        pickup = Date.now() - readyAt;
        break;
      }
      await sleep(20);
    }
    log(
      `restarted on the same DATA_DIR; ready after ${ready} ms, first QuickBooks call ${pickup ?? "never"} ms later`,
    );
    check(
      `exports resumed promptly after the kill ${moment}`,
      pickup !== null && pickup < 10_000,
      `${pickup} ms`,
    );
  }

  // Every accepted submission is exported within 60 s of the last restart.
  const restartedAt = Date.now();
  let exported = 0;
  let pending: string[] = [];
  while (Date.now() - restartedAt < 60_000) {
    pending = [];
    exported = 0;
    for (const b of batch) {
      const s = (await api("GET", `${cp}/erp/budget-submissions/${b.submissionId}`, approver)).json;
      if (s.status === "exported") exported++;
      else pending.push(`${b.name}: ${s.status}`);
    }
    for (const c of commitments) {
      const s = (await api("GET", `${cp}/erp/commitment-submissions/${c.submissionId}`, approver)).json;
      if (s.status === "exported") exported++;
      else pending.push(`${c.name}: ${s.status}`);
    }
    if (pending.length === 0) break;
    await sleep(250);
  }
  const took = Date.now() - restartedAt;
  check(
    `every accepted submission exported within 60 s of the restart`,
    pending.length === 0,
    pending.length ? pending.join("; ") : `${exported}/${BATCH + commitments.length} after ${took} ms`,
  );

  const realm = await realmState();
  for (const b of batch) {
    const jobs = (realm.Customer ?? []).filter((c) => c.DisplayName === b.name);
    const ids = new Set(jobs.map((j) => String(j.Id)));
    const estimates = (realm.Estimate ?? []).filter((e) => ids.has(String((e.CustomerRef as Json).value)));
    check(
      `${b.name}: one job and exactly one estimate in QuickBooks`,
      jobs.length === 1 && estimates.length === 1,
      `${jobs.length} job(s), ${estimates.length} estimate(s)`,
    );
  }
  for (const c of commitments) {
    const po = purchaseOrdersFor(realm, c, c.name);
    check(
      `${c.name}: exactly one purchase order in QuickBooks, for the vendor, on the job, amounts matching`,
      po.count === 1 && po.mismatch === null,
      po.count === 1 ? (po.mismatch ?? undefined) : `${po.count} purchase order(s)`,
    );
  }
  if (commitments.length > 0) {
    const vendors = (realm.Vendor ?? []).map((v) => String(v.DisplayName));
    check("no vendor added twice", new Set(vendors).size === vendors.length);
    const left = (await api("GET", `${cp}/erp/commitment-submissions?status=exporting,failed`, approver)).json
      .items as Json[];
    check(
      "no commitment submission left exporting or failed",
      left.length === 0,
      left.map((o) => `${(o.commitment as Json).number}: ${o.status}`).join("; "),
    );
  }
  // Every other accepted submission (the demo's own) finished too, and nothing was written twice.
  const other = (await api("GET", `${cp}/erp/budget-submissions?status=exporting,failed`, approver)).json
    .items as Json[];
  check(
    "no other submission left exporting or failed",
    other.length === 0,
    other.map((o) => `${(o.project as Json).name}: ${o.status}`).join("; "),
  );
  const names = (realm.Item ?? []).map((i) => String(i.Name));
  check("no item added twice", new Set(names).size === names.length);
}

async function requestCount(): Promise<number> {
  const r = await fetch(`${emulator()}/requests?path=${encodeURIComponent("^/v3/company/")}`);
  return ((await r.json()) as { items: unknown[] }).items.length;
}

async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 10) {
  const started = Date.now();
  while (!(await cond())) {
    if (Date.now() - started > timeoutMs) throw new Error("the moment to kill never came");
    await sleep(everyMs);
  }
}

async function stopEverything() {
  if (child?.pid) {
    const c = child;
    const exited = new Promise<void>((r) => c.once("exit", () => r()));
    try {
      process.kill(-c.pid!, "SIGTERM");
    } catch {}
    await Promise.race([exited, sleep(25_000)]);
    try {
      process.kill(-c.pid!, "SIGKILL");
    } catch {}
  }
  // The product stops its PostgreSQL on a clean exit; after a failed one, stop it here.
  if (existsSync(path.join(dataDir, "pg", "postmaster.pid"))) {
    const cluster = await startEmbeddedCluster(dataDir).catch(() => null);
    await cluster?.stop().catch(() => {});
  }
}

let crashed: unknown = null;
try {
  await main();
} catch (e) {
  crashed = e;
  check("the run completed", false, (e as Error).message);
} finally {
  await stopEverything();
}
const failed = results.filter((r) => !r.ok).length;
const passed = results.length - failed;
if (failed || crashed) {
  const tail = existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").slice(-30).join("\n") : "";
  process.stdout.write(`\nlast lines of the product's log:\n${tail}\n`);
}
if (!args.keep) rmSync(dataDir, { recursive: true, force: true });
process.stdout.write(`\n${passed} passed, ${failed} failed (seed ${SEED})\n`);
process.exit(failed ? 1 : 0);

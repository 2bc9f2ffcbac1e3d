/**
 * Scale test: the production layout on one PostgreSQL. Two `costbridge web` and two `costbridge worker`
 * processes of the real CLI, the QuickBooks Online emulator on its own port with QuickBooks' real limits, three
 * companies (two on one QuickBooks company), a burst of accepts spread over both web processes, a worker and a
 * web process SIGKILLed mid-export (and started again), and a PostgreSQL outage mid-export: every connection to
 * the server is cut and refused for 10 s by a TCP relay the processes reach it through.
 *
 * When the build exports purchase orders (ERP Integrations › Commitments and a QuickBooks Online connector that
 * writes them), each company also sends approved commitments, accepted in the same burst; otherwise the run says so
 * and sends budgets only.
 *
 * Asserts: every accepted budget is exported exactly once (one estimate per project), every accepted commitment
 * exactly once (one purchase order each, for its vendor, on its job, amounts matching), no 429 from QuickBooks,
 * and every process that was not killed is healthy again after the outage without a restart. Prints numbers
 * (exports, time from the last accept to the last export, connections and memory per process, time to healthy)
 * and ends with `N passed, N failed`.
 *
 *   npm run test:scale [-- --budgets 12 --commitments 4 --outage 10 --keep]
 *
 * PostgreSQL: DATABASE_URL (a server where it may create a database), else a throwaway embedded cluster.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { type StartedQboEmulator, startQboEmulator } from "../../emulators/quickbooks-online/index.js";
import type { AppContext } from "../../src/app/context.js";
import { createDatabase } from "../../src/db/database.js";
import { freePort, startEmbeddedCluster } from "../../src/db/embedded-postgres.js";
import { startMailCatcher } from "../../src/mail/catcher.js";
import {
  commitmentSubmissionsMissing,
  insertSentCommitment,
  purchaseOrdersFor,
  type SentCommitment,
} from "../chaos/sent-commitments.js";
import { EVERY_RIGHT, makeCompany, makeUser } from "../support/factories.js";
import { callJson, type Json } from "../support/http-json.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { values: args } = parseArgs({
  options: {
    budgets: { type: "string", default: "12" },
    commitments: { type: "string", default: "4" },
    outage: { type: "string", default: "10" },
    keep: { type: "boolean", default: false },
  },
});
const PER_COMPANY = Number(args.budgets);
const COMMITMENTS_PER_COMPANY = Number(args.commitments);
const OUTAGE_MS = Number(args.outage) * 1000;

const results: { name: string; ok: boolean }[] = [];
function check(name: string, ok: boolean, detail?: string) {
  results.push({ name, ok });
  process.stdout.write(`${ok ? "  ok  " : "  FAIL"} ${name}${detail ? ` — ${detail}` : ""}\n`);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const log = (m: string) => process.stdout.write(`[scale ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}\n`);

const dir = mkdtempSync(path.join(tmpdir(), "cb-scale-"));

/** A TCP relay in front of PostgreSQL: `cut()` drops every connection and refuses new ones until `restore()`. */
async function startRelay(target: { host: string; port: number }) {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = net.createServer((client) => {
        const upstream = net.connect(target.port, target.host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream);
        upstream.pipe(client);
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
  await listen();
  return {
    port,
    async cut() {
      const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server = null;
      for (const s of sockets) s.destroy();
      await closed;
    },
    restore: listen,
    async close() {
      await this.cut();
    },
  };
}

interface Proc {
  name: string;
  kind: "web" | "worker";
  port: number;
  child: ChildProcess;
  log: string;
}

const procs: Proc[] = [];

function spawnProc(name: string, kind: "web" | "worker", port: number, env: Record<string, string>): Proc {
  const logFile = path.join(dir, `${name}.log`);
  const out = openSync(logFile, "a");
  const child = spawn(process.execPath, [path.join(ROOT, "bin/costbridge.js"), kind], {
    cwd: ROOT,
    env: { ...env, ...(kind === "web" ? { PORT: String(port) } : { WORKER_HEALTH_PORT: String(port) }) },
    detached: true,
    stdio: ["ignore", out, out],
  });
  const p = { name, kind, port, child, log: logFile };
  const i = procs.findIndex((x) => x.name === name);
  if (i >= 0) procs[i] = p;
  else procs.push(p);
  return p;
}

async function health(p: Proc): Promise<number | null> {
  try {
    const r = await fetch(`http://127.0.0.1:${p.port}/healthz`, { signal: AbortSignal.timeout(1_000) });
    return r.status;
  } catch {
    return null;
  }
}

async function waitHealthy(p: Proc, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    if ((await health(p)) === 200) return Date.now() - started;
    if (p.child.exitCode !== null) throw new Error(`${p.name} exited (${p.child.exitCode}); see ${p.log}`);
    if (Date.now() - started > timeoutMs) throw new Error(`${p.name} not healthy after ${timeoutMs} ms`);
    await sleep(100);
  }
}

async function kill(p: Proc) {
  const exited = new Promise<void>((r) => p.child.once("exit", () => r()));
  try {
    process.kill(-p.child.pid!, "SIGKILL");
  } catch {}
  await exited;
}

/** Resident memory of a process group (the CLI and anything it started), in MB. */
function rssMb(pgid: number): number {
  let kb = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue;
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, "utf8"));
      if (m) kb += Number(m[1]);
    } catch {}
  }
  return Math.round(kb / 1024);
}

async function main() {
  // A run that hangs is a failed run, not a stuck CI job.
  setTimeout(() => {
    process.stdout.write("  FAIL the run finished within 8 minutes\n");
    for (const p of procs) {
      try {
        process.kill(-p.child.pid!, "SIGKILL");
      } catch {}
    }
    process.stdout.write(
      `${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length + 1} failed\n`,
    );
    process.exit(1);
  }, 8 * 60_000).unref();
  // PostgreSQL: the caller's server, or a throwaway embedded cluster; a database of this run's own on it.
  let adminUrl = process.env.DATABASE_URL;
  let stopCluster: (() => Promise<void>) | null = null;
  if (!adminUrl) {
    const cluster = await startEmbeddedCluster(path.join(dir, "pg"));
    adminUrl = cluster.databaseUrl;
    stopCluster = () => cluster.stop();
  }
  const dbName = `cb_scale_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database "${dbName}"`);
  const server = new URL(adminUrl);
  const relay = await startRelay({ host: server.hostname, port: Number(server.port || 5432) });
  const viaRelay = new URL(adminUrl);
  viaRelay.hostname = "127.0.0.1";
  viaRelay.port = String(relay.port);
  viaRelay.pathname = `/${dbName}`;
  const direct = new URL(adminUrl);
  direct.pathname = `/${dbName}`;
  const db = new pg.Pool({ connectionString: direct.toString(), max: 2 });
  db.on("error", () => {});

  const emu: StartedQboEmulator = await startQboEmulator({ port: 0 });
  let mails = 0;
  const catcher = await startMailCatcher({
    onMessage: () => {
      mails++;
    },
  });
  const [web1, web2, wk1, wk2] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, {
    DATABASE_URL: viaRelay.toString(),
    DEMO: "off",
    HOST: "127.0.0.1",
    SECRET_KEY: randomBytes(24).toString("hex"),
    OPERATOR_TOKEN: randomBytes(18).toString("hex"),
    PUBLIC_URL: `http://127.0.0.1:${web1}`,
    SMTP_URL: catcher.url,
    QUICKBOOKS_ENVIRONMENT: emu.url,
    QUICKBOOKS_CLIENT_ID: emu.emulator.clientId,
    QUICKBOOKS_CLIENT_SECRET: emu.emulator.clientSecret,
    LOG_LEVEL: "warn",
    NODE_OPTIONS: "--max-old-space-size=192 --max-semi-space-size=4",
  });
  delete env.WORKER_ID;
  delete env.MIGRATE_ON_START;

  const cleanup = async () => {
    for (const p of procs) if (p.child.exitCode === null) await kill(p).catch(() => {});
    await emu.close().catch(() => {});
    await catcher.close().catch(() => {});
    await db.end().catch(() => {});
    await relay.close().catch(() => {});
    await admin.query(`drop database if exists "${dbName}" with (force)`).catch(() => {});
    await admin.end().catch(() => {});
    await stopCluster?.().catch(() => {});
    if (!args.keep) rmSync(dir, { recursive: true, force: true });
    else log(`logs kept in ${dir}`);
  };

  try {
    // The operator's steps: migrate once, then start the processes (which do not migrate on their own).
    const migrated = await new Promise<number>((resolve) => {
      const c = spawn(process.execPath, [path.join(ROOT, "bin/costbridge.js"), "migrate"], {
        cwd: ROOT,
        env,
        stdio: ["ignore", "ignore", "inherit"],
      });
      c.on("exit", (code) => resolve(code ?? 1));
    });
    if (migrated !== 0) throw new Error("costbridge migrate failed");
    const webA = spawnProc("web-1", "web", web1, env);
    await waitHealthy(webA, 180_000);
    const webB = spawnProc("web-2", "web", web2, env);
    const wkA = spawnProc("worker-1", "worker", wk1, env);
    const wkB = spawnProc("worker-2", "worker", wk2, env);
    for (const p of [webB, wkA, wkB]) await waitHealthy(p, 120_000);
    log("2 web and 2 worker processes healthy");
    // Peak connections per process, sampled through the run.
    const peak = new Map<string, number>();
    const sampler = setInterval(() => {
      db.query<{ name: string; n: number }>(
        `select application_name as name, count(*)::int as n from pg_stat_activity
         where datname = $1 and application_name like 'costbridge-%' group by 1`,
        [dbName],
      ).then(
        (r) => {
          for (const row of r.rows) peak.set(row.name, Math.max(peak.get(row.name) ?? 0, row.n));
        },
        () => {},
      );
    }, 500);
    const webs = [web1, web2];

    const api = (port: number, method: string, url: string, token?: string, body?: unknown) =>
      callJson(`http://127.0.0.1:${port}`, method, url, token, body);

    // Three companies, each with one person holding every right; two of them on one QuickBooks company.
    const kysely = createDatabase(direct.toString(), { max: 2 });
    const ctx = { db: kysely.db, now: () => new Date() } as unknown as AppContext;
    const newRealm = async () =>
      String(
        ((await (await fetch(`${emu.url}/__emulator/realms`, { method: "POST" })).json()) as Json).realmId,
      );
    const realmA = await newRealm();
    const realmB = await newRealm();
    const tenants: { companyId: string; token: string; userId: string; realm: string; name: string }[] = [];
    for (const [i, realm] of [realmA, realmA, realmB].entries()) {
      const name = `Scale Co ${i + 1}`;
      const companyId = await makeCompany(ctx, { name });
      const user = await makeUser(ctx, companyId, EVERY_RIGHT);
      tenants.push({ companyId, token: user.token, userId: user.id, realm, name });
    }
    await kysely.close();
    for (const t of tenants) await setUpCompany(t, (m, u, b) => api(web1, m, u, t.token, b), emu);
    log(`3 companies connected (2 on QuickBooks company ${realmA})`);

    // Budgets, sent; each QuickBooks call takes a while so the kills and the outage land inside exports.
    const sent: { t: (typeof tenants)[number]; submissionId: string; name: string }[] = [];
    await Promise.all(
      tenants.map(async (t, ti) => {
        const cp = `/api/v1/companies/${t.companyId}`;
        for (let i = 0; i < PER_COMPANY; i += 4) {
          // Four at a time per company, over both web processes.
          await Promise.all(
            Array.from({ length: Math.min(4, PER_COMPANY - i) }, async (_, k) => {
              const n = i + k;
              const port = webs[(ti + n) % 2]!;
              const name = `Scale ${ti + 1}-${n + 1}`;
              const project = (
                await api(port, "POST", `${cp}/projects`, t.token, { number: `S${ti}-${n}`, name })
              ).json;
              const b = `${cp}/projects/${project.id}/budget`;
              await api(port, "POST", `${b}/lines`, t.token, {
                costCode: "03-300",
                category: "L",
                originalBudget: `${1000 + n}.25`,
              });
              await api(port, "POST", `${b}/lines`, t.token, {
                costCode: "26-100",
                category: "M",
                originalBudget: "99.99",
              });
              await api(port, "POST", `${b}/lock`, t.token);
              const s = await api(port, "POST", `${b}/send-to-erp`, t.token);
              sent.push({ t, submissionId: String(s.json.id), name });
            }),
          );
        }
      }),
    );
    // Commitments, approved and sent (written as Send to ERP leaves them), each on a project of its own, over two
    // vendors per company.
    const commitments: (SentCommitment & { t: (typeof tenants)[number]; name: string })[] = [];
    const withoutCommitments =
      COMMITMENTS_PER_COMPANY > 0
        ? await commitmentSubmissionsMissing(
            `http://127.0.0.1:${web1}`,
            tenants[0]!.companyId,
            tenants[0]!.token,
          )
        : "none asked for";
    if (withoutCommitments) {
      log(`commitments not exercised: ${withoutCommitments}`);
    } else {
      for (const [ti, t] of tenants.entries()) {
        const cp = `/api/v1/companies/${t.companyId}`;
        for (let n = 0; n < COMMITMENTS_PER_COMPANY; n++) {
          const name = `Scale PO ${ti + 1}-${n + 1}`;
          const project = (
            await api(webs[n % 2]!, "POST", `${cp}/projects`, t.token, { number: `SP${ti}-${n}`, name })
          ).json;
          const c = await insertSentCommitment(db, {
            companyId: t.companyId,
            projectId: String(project.id),
            vendorName: `Scale Vendor ${ti + 1}-${n % 2}`,
            number: `SC-${ti}-${n}`,
            title: `Scale package ${n + 1}`,
            kind: n % 2 ? "purchase_order" : "subcontract",
            userId: t.userId,
            lines: [
              { costCode: "03-300", category: "L", description: "Labor", amount: `${3000 + n}.40` },
              { costCode: "26-100", category: "M", description: "Material", amount: "120.35" },
            ],
          });
          commitments.push({ ...c, t, name });
        }
      }
    }
    await fetch(`${emu.url}/__emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ path: "^/v3/company/", mode: "delay", delayMs: 150, count: 1_000_000 }),
    });

    // The burst: every accept at once, alternating between the two web processes.
    log(`accepting ${sent.length} budgets and ${commitments.length} commitments across both web processes`);
    const accepts = [
      ...sent.map((s) => ({ ...s, documents: "budget-submissions" })),
      ...commitments.map((c) => ({ ...c, documents: "commitment-submissions" })),
    ];
    const accepted = await Promise.all(
      accepts.map((s, i) =>
        api(
          webs[i % 2]!,
          "POST",
          `/api/v1/companies/${s.t.companyId}/erp/${s.documents}/${s.submissionId}/accept`,
          s.t.token,
        ).then((r) => r.status === 202),
      ),
    );
    const lastAcceptAt = new Date();
    check(
      "every accept answered 202",
      accepted.every(Boolean),
      `${accepted.filter(Boolean).length}/${accepted.length}`,
    );

    const exportedCount = async () =>
      Number(
        (
          await db.query<{ n: string }>(
            "select count(*)::text as n from submissions where status = 'exported'",
          )
        ).rows[0]!.n,
      );
    const waitExported = async (n: number, timeoutMs: number) => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const c = await exportedCount();
        if (c >= n) return c;
        if (Date.now() > until) return c;
        await sleep(200);
      }
    };

    // A worker and a web process SIGKILLed mid-export, and started again at once.
    await waitExported(Math.ceil(sent.length / 6), 60_000);
    log(`SIGKILL worker-1 and web-2 (${await exportedCount()} exported so far)`);
    await kill(wkA);
    await kill(webB);
    const wkA2 = spawnProc("worker-1", "worker", wk1, env);
    const webB2 = spawnProc("web-2", "web", web2, env);
    await waitHealthy(wkA2, 60_000);
    await waitHealthy(webB2, 60_000);
    log("worker-1 and web-2 restarted");

    // The outage, mid-export.
    await waitExported(Math.ceil(sent.length / 2), 90_000);
    const exportedBefore = await exportedCount();
    log(`PostgreSQL cut off for ${OUTAGE_MS / 1000} s (${exportedBefore} exported so far)`);
    await relay.cut();
    await sleep(OUTAGE_MS);
    const unhealthy = await Promise.all(procs.map(async (p) => [p.name, await health(p)] as const));
    check(
      "every process says it is unhealthy while the database is away",
      unhealthy.every(([, s]) => s === 503),
      unhealthy.map(([n, s]) => `${n} ${s}`).join(", "),
    );
    await relay.restore();
    const backAt = Date.now();
    log("PostgreSQL reachable again");
    const healthyAfter: Record<string, number | null> = {};
    await Promise.all(
      procs.map(async (p) => {
        healthyAfter[p.name] = await waitHealthy(p, 90_000).catch(() => null);
      }),
    );
    check(
      "every process is healthy again without a restart",
      Object.values(healthyAfter).every((v) => v !== null) && procs.every((p) => p.child.exitCode === null),
      Object.entries(healthyAfter)
        .map(([n, ms]) => `${n} ${ms === null ? "never" : `${(ms / 1000).toFixed(1)} s`}`)
        .join(", "),
    );

    const finalCount = await waitExported(accepts.length, 150_000);
    const doneAt = Date.now();
    check(
      commitments.length > 0
        ? "every accepted budget and commitment is exported"
        : "every accepted budget is exported",
      finalCount === accepts.length,
      `${finalCount}/${accepts.length}`,
    );
    const state = (await (await fetch(`${emu.url}/__emulator/state`)).json()) as {
      realms: Record<string, Record<string, Json[]>>;
    };
    const duplicates: string[] = [];
    const missing: string[] = [];
    for (const s of sent) {
      const realm = state.realms[s.t.realm]!;
      const jobs = new Set(
        (realm.Customer ?? []).filter((c) => c.DisplayName === s.name).map((c) => String(c.Id)),
      );
      const n = (realm.Estimate ?? []).filter((e) => jobs.has(String((e.CustomerRef as Json).value))).length;
      if (n === 0) missing.push(s.name);
      if (n > 1) duplicates.push(`${s.name} ×${n}`);
    }
    check(
      "one estimate per project in QuickBooks",
      duplicates.length === 0 && missing.length === 0,
      duplicates.length || missing.length
        ? `duplicates: ${duplicates.join(", ")}; missing: ${missing.join(", ")}`
        : `${sent.length}`,
    );
    if (commitments.length > 0) {
      const wrong: string[] = [];
      for (const c of commitments) {
        const po = purchaseOrdersFor(state.realms[c.t.realm]!, c, c.name);
        if (po.count !== 1) wrong.push(`${c.name}: ${po.count} purchase orders`);
        else if (po.mismatch) wrong.push(`${c.name}: ${po.mismatch}`);
      }
      check(
        "one purchase order per commitment in QuickBooks, for its vendor, on its job, amounts matching",
        wrong.length === 0,
        wrong.length ? wrong.join("; ") : `${commitments.length}`,
      );
      for (const realm of new Set(tenants.map((t) => t.realm))) {
        const vendors = (state.realms[realm]!.Vendor ?? []).map((v) => String(v.DisplayName));
        check(
          `no vendor added twice in QuickBooks company ${realm}`,
          new Set(vendors).size === vendors.length,
        );
      }
    }
    const requests = (await (await fetch(`${emu.url}/__emulator/requests`)).json()) as {
      items: { status: number }[];
    };
    const throttled = requests.items.filter((r) => r.status === 429).length;
    check("no 429 from QuickBooks", throttled === 0, `${throttled} of ${requests.items.length} calls`);
    const connection = await db.query<{ status: string }>(
      "select status from erp_connections where status <> 'connected'",
    );
    check("every QuickBooks connection is still connected", connection.rows.length === 0);

    // Numbers.
    const last = await db.query<{ at: Date }>("select max(exported_at) as at from submissions");
    const lastExport = last.rows[0]!.at;
    clearInterval(sampler);
    const instances = await db.query<{ instance_id: string }>("select instance_id from worker_instances");
    check(
      "the restarted worker took its predecessor's identity (its locks were freed at once)",
      instances.rows.length === 2,
      instances.rows.map((r) => r.instance_id).join(", "),
    );
    log(
      `exports ${finalCount}; last accept → last export ${((lastExport.getTime() - lastAcceptAt.getTime()) / 1000).toFixed(1)} s ` +
        `(outage ${OUTAGE_MS / 1000} s included); all exported ${((doneAt - backAt) / 1000).toFixed(1)} s after the database was back; ` +
        `429s ${throttled}; emails ${mails}`,
    );
    log(
      `peak connections: ${[...peak]
        .sort()
        .map(([n, c]) => `${n} ${c}`)
        .join(", ")}`,
    );
    log(`memory (RSS): ${procs.map((p) => `${p.name} ${rssMb(p.child.pid!)} MB`).join(", ")}`);
    log(
      `healthy after the outage: ${Object.entries(healthyAfter)
        .map(([n, ms]) => `${n} ${ms === null ? "never" : `${(ms / 1000).toFixed(1)} s`}`)
        .join(", ")}`,
    );
  } catch (e) {
    check("the run completed", false, (e as Error).message);
  } finally {
    await cleanup();
  }
  const failed = results.filter((r) => !r.ok).length;
  process.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
  process.exit(failed ? 1 : 0);
}

async function setUpCompany(
  t: { companyId: string; token: string; realm: string },
  call: (m: string, u: string, b?: unknown) => Promise<{ status: number; json: Json; headers: Headers }>,
  emu: StartedQboEmulator,
) {
  const cp = `/api/v1/companies/${t.companyId}`;
  for (const code of ["03-300", "26-100"])
    await call("POST", `${cp}/cost-codes`, { code, description: `Code ${code}` });
  await call("POST", `${cp}/categories`, { code: "L", name: "Labor" });
  await call("POST", `${cp}/categories`, { code: "M", name: "Material" });
  await call("PATCH", `${cp}/settings`, { defaultParentCustomer: "Scale Jobs", createMissingItems: true });
  await fetch(`${emu.url}/__emulator/consent`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ mode: "allow", realmId: t.realm }),
  });
  const start = await call("POST", `${cp}/erp/connection/quickbooks-online/connect`);
  const consent = await fetch(String(start.json.authorizeUrl), { redirect: "manual" });
  const back = new URL(consent.headers.get("location")!);
  const cb = await call("GET", `${back.pathname}${back.search}`);
  if (cb.status !== 302 || !String(cb.headers.get("location")).includes("connected=1")) {
    throw new Error(`connecting QuickBooks failed: ${cb.status} ${cb.headers.get("location")}`);
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});

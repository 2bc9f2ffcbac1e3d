import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/db/embedded-postgres.js";

// Every way of running Costbridge stops cleanly on SIGTERM and SIGINT: the server process ends with code 0, its
// HTTP port closes, and the embedded PostgreSQL it started stops with it. One DATA_DIR serves the whole file.

const root = path.resolve(import.meta.dirname, "../..");
const dataDir = mkdtempSync(path.join(tmpdir(), "cb-launcher-"));
const started: ChildProcess[] = [];

afterAll(() => {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  rmSync(dataDir, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

function productEnv(port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // Neither an outside database nor the npm run this suite may be part of: each test chooses how it starts.
    if (k === "DATABASE_URL" || k.startsWith("npm_") || k.startsWith("QUICKBOOKS_")) continue;
    env[k] = v;
  }
  return { ...env, DATA_DIR: dataDir, PORT: String(port), HOST: "127.0.0.1", DEMO_WEB_CONNECTOR: "off" };
}

async function launch(command: string, args: string[]): Promise<Running> {
  const port = await freePort();
  const child = spawn(command, args, {
    cwd: root,
    env: productEnv(port),
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  let text = "";
  child.stdout?.on("data", (d) => {
    text += d;
  });
  child.stderr?.on("data", (d) => {
    text += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, port, output: () => text, exited };
}

async function until(what: string, check: () => boolean | Promise<boolean>, run?: Running): Promise<void> {
  for (;;) {
    if (await check()) return;
    if (run && run.child.exitCode !== null) {
      throw new Error(`exited (${run.child.exitCode}) while waiting for ${what}:\n${run.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function healthy(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200;
  } catch {
    return false;
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function postgresPort(): number {
  return (JSON.parse(readFileSync(path.join(dataDir, "pg-cluster.json"), "utf8")) as { port: number }).port;
}

function serverPid(): number {
  return Number.parseInt(readFileSync(path.join(dataDir, "costbridge.pid"), "utf8"), 10);
}

/** Whether the process still runs (a zombie no longer does: an orphan ended but not yet reaped by init). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = `/proc/${pid}/stat`;
  return !(existsSync(stat) && / Z /.test(readFileSync(stat, "utf8").replace(/^.*\)/, "")));
}

const launcher = path.join(root, "bin", "costbridge.js");

describe("bin/costbridge.js", () => {
  it("start: a SIGTERM to the launcher stops the server and its PostgreSQL", async () => {
    const run = await launch(process.execPath, [launcher, "start"]);
    await until("/healthz 200", () => healthy(run.port), run);
    const pid = serverPid();
    const pgPort = postgresPort();
    expect(await portOpen(pgPort)).toBe(true);

    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(await portOpen(run.port)).toBe(false);
    expect(await portOpen(pgPort)).toBe(false);
    expect(existsSync(path.join(dataDir, "costbridge.pid"))).toBe(false);
  }, 180_000);

  it("web stops on SIGINT, worker on SIGTERM", async () => {
    const web = await launch(process.execPath, [launcher, "web"]);
    await until("/healthz 200", () => healthy(web.port), web);
    web.child.kill("SIGINT");
    expect(await web.exited).toBe(0);
    expect(await portOpen(web.port)).toBe(false);

    const worker = await launch(process.execPath, [launcher, "worker"]);
    await until("the worker running", () => worker.output().includes("SIGINT or SIGTERM stops it"), worker);
    const pgPort = postgresPort();
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
    expect(await portOpen(pgPort)).toBe(false);
  }, 180_000);

  it("a SIGTERM while it is still starting stops it once started, PostgreSQL included", async () => {
    const run = await launch(process.execPath, [launcher, "start"]);
    await until("the embedded PostgreSQL", () => /embedded PostgreSQL/.test(run.output()), run);
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    expect(await portOpen(postgresPort())).toBe(false);
    expect(await portOpen(run.port)).toBe(false);
  }, 180_000);

  it("npm start: a SIGTERM to npm, which passes it only to its shell, still stops the server", async () => {
    const npm = process.env.npm_execpath;
    const run = npm?.endsWith(".js")
      ? await launch(process.execPath, [npm, "start"])
      : await launch("npm", ["start"]);
    await until("/healthz 200", () => healthy(run.port), run);
    const pid = serverPid();
    const pgPort = postgresPort();
    expect(pid).not.toBe(run.child.pid);

    run.child.kill("SIGTERM");
    await run.exited;
    await until("the server to end", () => !alive(pid));
    expect(await portOpen(run.port)).toBe(false);
    expect(await portOpen(pgPort)).toBe(false);
  }, 180_000);
});

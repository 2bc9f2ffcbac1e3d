#!/usr/bin/env node
// Browser journeys against the real product: starts Costbridge the way `npm start` does (demo data, embedded
// PostgreSQL, built-in QuickBooks emulator and mail catcher) in a throwaway DATA_DIR on a free port, runs the
// Playwright suite in test/e2e against it, stops it with SIGTERM, checks that its PostgreSQL is gone, and exits
// with Playwright's exit code.
import { spawn } from "node:child_process";
import {
  chmodSync,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const resultsDir = path.join(root, "test-results");
const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 60_000;

const say = (message) => process.stdout.write(`[e2e] ${message}\n`);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Pids of processes whose command line mentions the directory: the embedded PostgreSQL runs with `-D <dir>/…`. */
function processesUsing(dir) {
  const found = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmdline.includes(dir)) found.push({ pid: Number(entry), cmdline: cmdline.trim() });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

async function waitForHealthy(url, child) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the product exited before it was ready (code ${child.exitCode ?? child.signalCode})`);
    }
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
  throw new Error(`the product did not answer /healthz with 200 within ${READY_TIMEOUT_MS / 1000} s`);
}

function waitForExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

const runId = `run-${process.pid}`;

function runPlaywright(baseUrl, operatorToken, extraArgs) {
  const require = createRequire(import.meta.url);
  const cli = require.resolve("@playwright/test/cli");
  return new Promise((resolve) => {
    const pw = spawn(
      process.execPath,
      [cli, "test", "--config", path.join(root, "test/e2e/playwright.config.ts"), ...extraArgs],
      {
        cwd: root,
        stdio: "inherit",
        env: {
          ...process.env,
          E2E_BASE_URL: baseUrl,
          E2E_RUN_ID: runId,
          ...(operatorToken ? { OPERATOR_TOKEN: operatorToken } : {}),
        },
      },
    );
    pw.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main() {
  // Journey screenshots are overwritten in place (not wiped first), so a second run in the same checkout cannot
  // delete the pictures of one still going.
  mkdirSync(path.join(resultsDir, "screenshots"), { recursive: true });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "costbridge-e2e-"));
  // As root the embedded PostgreSQL runs as the postgres user, which must be able to reach the cluster directory.
  chmodSync(dataDir, 0o755);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const logPath = path.join(resultsDir, "product.log");
  const log = createWriteStream(logPath);

  const env = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    PUBLIC_URL: baseUrl,
    HOST: "127.0.0.1",
  };
  // A shell that points at another database, mail server or QuickBooks would turn the demo off or reroute it.
  for (const name of [
    "DATABASE_URL",
    "DEMO",
    "SMTP_URL",
    "QUICKBOOKS_CLIENT_ID",
    "QUICKBOOKS_CLIENT_SECRET",
    "QUICKBOOKS_ENVIRONMENT",
    "NODE_ENV",
  ]) {
    delete env[name];
  }

  say(`starting the product on ${baseUrl} (DATA_DIR ${dataDir}; log in test-results/product.log)`);
  const startedAt = Date.now();
  const child = spawn(process.execPath, [path.join(root, "bin/costbridge.js"), "start"], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  // The demo prints its operator token in the start banner; journeys that act as the operator get it from us.
  let banner = "";
  const readBanner = (chunk) => {
    banner += chunk.toString("utf8");
    const token = /Operator token: (\S+)/.exec(banner)?.[1];
    if (token || banner.length > 1_000_000) {
      if (token) operatorToken = token;
      child.stdout.off("data", readBanner);
      banner = "";
    }
  };
  let operatorToken = process.env.OPERATOR_TOKEN ?? null;
  child.stdout.on("data", readBanner);

  let exitCode = 1;
  let interrupted = false;
  const onSignal = (signal) => {
    interrupted = true;
    say(`${signal} received: stopping`);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    await waitForHealthy(baseUrl, child);
    say(`ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    // The banner follows readiness by a moment.
    for (let i = 0; i < 40 && !operatorToken; i++) await sleep(125);
    if (!interrupted) exitCode = await runPlaywright(baseUrl, operatorToken, process.argv.slice(2));
  } catch (error) {
    say(`error: ${error.message}`);
    say(`last lines of the product log:\n${readFileSync(logPath, "utf8").split("\n").slice(-30).join("\n")}`);
    exitCode = 1;
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      say("stopping the product (SIGTERM)");
      child.kill("SIGTERM");
      if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
        say(`the product did not stop within ${STOP_TIMEOUT_MS / 1000} s; killing it`);
        child.kill("SIGKILL");
        await waitForExit(child, 5_000);
        exitCode = exitCode || 1;
      }
    }
    say(`product exited (${child.exitCode ?? child.signalCode})`);
    // The product stops its embedded PostgreSQL on SIGTERM; anything still running on this DATA_DIR is a leak.
    let leftovers = processesUsing(dataDir);
    for (let i = 0; i < 20 && leftovers.length > 0; i++) {
      await sleep(250);
      leftovers = processesUsing(dataDir);
    }
    if (leftovers.length > 0) {
      say(`processes still using ${dataDir} after the product stopped:`);
      for (const p of leftovers) say(`  ${p.pid} ${p.cmdline}`);
      for (const p of leftovers) {
        try {
          process.kill(p.pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
      exitCode = exitCode || 1;
    } else {
      say("no PostgreSQL process of this DATA_DIR is left");
    }
    log.end();
    rmSync(dataDir, { recursive: true, force: true });
    // Failure artifacts (screenshots, traces) stay for inspection; a green run leaves only the journey screenshots.
    if (exitCode === 0) rmSync(path.join(resultsDir, "playwright", runId), { recursive: true, force: true });
  }
  process.exit(exitCode);
}

await main();

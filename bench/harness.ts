/**
 * The outside world of a benchmark run: the QuickBooks Online emulator on its own port (counting every API call
 * per realm as it arrives), an SMTP server that counts what it receives, and the product itself started as
 * `costbridge start` in a child process, exactly as a user starts it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import Fastify from "fastify";
import { SMTPServer } from "smtp-server";
import { createQboEmulator, type QboEmulator } from "../emulators/quickbooks-online/index.js";
import { packageRoot } from "../src/lib/package-root.js";

export const ROOT = packageRoot();

export interface ApiCall {
  realmId: string;
  status: number;
  /** Arrival instant (ms since epoch), as QuickBooks would count it. */
  at: number;
  /** When the answer was sent. */
  end: number;
}

export interface BenchEmulator {
  url: string;
  emulator: QboEmulator;
  calls: ApiCall[];
  close(): Promise<void>;
}

export async function startEmulator(): Promise<BenchEmulator> {
  const emulator = createQboEmulator();
  const app = Fastify({ logger: false });
  const calls: ApiCall[] = [];
  app.addHook("onRequest", async (req) => {
    const m = /\/v3\/company\/([^/?]+)/.exec(req.url);
    if (m) (req as unknown as { benchAt: number }).benchAt = Date.now();
  });
  app.addHook("onResponse", async (req, reply) => {
    const m = /\/v3\/company\/([^/?]+)/.exec(req.url);
    if (!m) return;
    calls.push({
      realmId: decodeURIComponent(m[1]!),
      status: reply.statusCode,
      at: (req as unknown as { benchAt: number }).benchAt,
      end: Date.now(),
    });
  });
  await app.register(emulator.plugin);
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    emulator,
    calls,
    async close() {
      await app.close();
      await emulator.close();
    },
  };
}

export interface SmtpCounter {
  url: string;
  received: number;
  /** Resolves once `n` messages have arrived in total. */
  until(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtpCounter(): Promise<SmtpCounter> {
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const counter: SmtpCounter = {
    url: "",
    received: 0,
    until(n) {
      if (counter.received >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    close: async () => {},
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    logger: false,
    closeTimeout: 200,
    onData(stream, _session, callback) {
      stream.on("data", () => {});
      stream.on("end", () => {
        counter.received++;
        for (let i = waiters.length - 1; i >= 0; i--) {
          if (counter.received >= waiters[i]!.n) waiters.splice(i, 1)[0]!.resolve();
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  counter.url = `smtp://127.0.0.1:${port}`;
  counter.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return counter;
}

export interface RunningProductProcess {
  child: ChildProcess;
  url: string;
  /** Highest resident set seen by the sampler since `startSampling`, in MB. */
  peakRssMb(): number;
  /** The kernel's own high-water mark for the process (includes start-up), in MB. */
  hwmMb(): number;
  startSampling(): void;
  stop(): Promise<void>;
  output(): string;
}

function statusField(pid: number, field: string): number {
  try {
    const text = readFileSync(`/proc/${pid}/status`, "utf8");
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * The Node flags `npm start` runs the product with (its heap sizes): Node otherwise sizes the heap from the
 * machine's memory and collects late, and a large young generation alone adds about 100 MB under the email load.
 */
function npmStartNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    scripts: { start: string };
  };
  return pkg.scripts.start.split(/\s+/).filter((word) => word.startsWith("--"));
}

/** `node bin/costbridge.js start` with the given environment; resolves once /healthz answers 200. */
export async function startProductProcess(
  env: Record<string, string>,
  port: number,
  timeoutMs = 240_000,
): Promise<RunningProductProcess> {
  const child = spawn(
    process.execPath,
    [
      ...npmStartNodeFlags(),
      // Flags Node refuses in NODE_OPTIONS, such as --cpu-prof, for profiling the product under the benchmark.
      ...(process.env.BENCH_PRODUCT_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? []),
      path.join(ROOT, "bin/costbridge.js"),
      "start",
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        ...env,
        // For looking into the product's memory (e.g. --max-old-space-size, --heapsnapshot-signal).
        ...(process.env.BENCH_PRODUCT_NODE_OPTIONS
          ? { NODE_OPTIONS: process.env.BENCH_PRODUCT_NODE_OPTIONS }
          : {}),
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let log = "";
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exited = false;
  child.on("exit", () => {
    exited = true;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`the product exited during start:\n${log}`);
    if (Date.now() > deadline) {
      child.kill("SIGTERM");
      throw new Error(`the product did not become ready in ${timeoutMs} ms:\n${log}`);
    }
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  let peak = 0;
  let timer: NodeJS.Timeout | null = null;
  const pid = child.pid!;
  return {
    child,
    url,
    peakRssMb: () => Math.max(peak, statusField(pid, "VmRSS")),
    hwmMb: () => statusField(pid, "VmHWM"),
    startSampling() {
      timer ??= setInterval(() => {
        peak = Math.max(peak, statusField(pid, "VmRSS"));
      }, 200);
      timer.unref();
    },
    output: () => log,
    async stop() {
      if (timer) clearInterval(timer);
      peak = Math.max(peak, statusField(pid, "VmRSS"));
      if (exited) return;
      const done = new Promise<void>((resolve) => child.on("exit", () => resolve()));
      child.kill("SIGTERM");
      const force = setTimeout(() => child.kill("SIGKILL"), 30_000);
      await done;
      clearTimeout(force);
    },
  };
}

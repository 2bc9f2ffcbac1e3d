import { createServer, type Server } from "node:http";
import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { RunningWorker } from "../jobs/worker.js";

export interface WorkerHealthServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The HTTP face of a `costbridge worker` process: `GET /healthz` answers 200 while the worker can take jobs (its
 * queue runner is up, listening and polling, and its heartbeat reaches the database) and 503 with the reason
 * otherwise; `GET /metrics` serves Prometheus text. Nothing else is served.
 */
export async function startWorkerHealth(
  worker: () => RunningWorker | null,
  opts: { port: number; host: string },
): Promise<WorkerHealthServer> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "costbridge_" });
  const gauge = (name: string, help: string, read: (w: RunningWorker) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const w = worker();
        this.set(w ? read(w) : 0);
      },
    });
  gauge("costbridge_worker_up", "1 while the worker can take jobs", (w) => (w.health().ok ? 1 : 0));
  gauge(
    "costbridge_worker_restarts",
    "Queue runner restarts since the process started",
    (w) => w.health().restarts,
  );
  gauge("costbridge_worker_jobs_running", "Jobs this worker is running", (w) => w.health().jobsRunning);

  const server: Server = createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET" }).end();
      return;
    }
    if (url === "/healthz") {
      const w = worker();
      const health = w ? w.health() : { ok: false, starting: true };
      res.writeHead(health.ok ? 200 : 503, { "content-type": "application/json" });
      res.end(JSON.stringify(health));
      return;
    }
    if (url === "/metrics") {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { "content-type": registry.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500).end();
        },
      );
      return;
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        error: { code: "not_found", message: "Only /healthz and /metrics are served here." },
      }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : opts.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

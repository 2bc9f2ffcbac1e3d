import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { AppContext } from "../app/context.js";
import { submissionTotals } from "../app/health/submission-totals.js";

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "costbridge_" });
  const duration = new Histogram({
    name: "costbridge_http_request_duration_seconds",
    help: "HTTP request duration by route and status",
    labelNames: ["method", "route", "status"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const requests = new Counter({
    name: "costbridge_http_requests_total",
    help: "HTTP requests by route and status",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });
  const submissions = new Gauge({
    name: "costbridge_submissions",
    help: "Budget submissions by status, all companies",
    labelNames: ["status"],
    registers: [registry],
  });
  return {
    contentType: registry.contentType,
    observeRequest(method: string, route: string, status: number, elapsedMs: number) {
      const labels = { method, route, status: String(status) };
      duration.observe(labels, elapsedMs / 1000);
      requests.inc(labels);
    },
    async render(ctx: AppContext): Promise<string> {
      try {
        const totals = await submissionTotals(ctx);
        submissions.reset();
        for (const t of totals) submissions.set({ status: t.status }, t.count);
      } catch {
        // metrics must answer even while the database is away
      }
      return registry.metrics();
    },
  };
}

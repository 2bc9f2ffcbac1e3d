import { sql } from "kysely";
import { z } from "zod";
import type { Executor } from "../db/database.js";

/**
 * Everything the queue needs to know about one kind of job, decided once: what its payload looks like, which
 * queue it runs in, which key folds a second add into the waiting job, how often it is tried, and whether it runs
 * on a schedule. The handler lives in `handlers/<name>.ts`; nothing else names the job.
 */
export interface JobSpec<S extends z.ZodType = z.ZodType> {
  payload: S;
  /** Jobs with the same queue name run one at a time, in order (e.g. one company's ERP). */
  queue?: (payload: z.output<S>) => string;
  /** A second add with the same key replaces the waiting job instead of adding another. */
  key?: (payload: z.output<S>) => string;
  maxAttempts: number;
  /**
   * A periodic job: its crontab time pattern, and how far back ticks missed while every worker was down are
   * replayed (`fill`). Its job key is its name, so replays fold into one run; `maxAttempts` is the crontab's `max`.
   */
  cron?: { pattern: string; fill?: string };
}

function job<S extends z.ZodType>(spec: JobSpec<S>): JobSpec<S> {
  return spec;
}

/** Every job, by name. Adding a job is one entry here and one handler file in `handlers/`. */
export const JOBS = {
  /**
   * Sends one approved submission to the company's ERP. Exports of one company run one at a time, in order: the
   * ERP sees one writer per company file. A new attempt or a retry replaces the waiting job of its submission.
   */
  export_submission: job({
    payload: z.object({
      companyId: z.string().min(1),
      submissionId: z.string().min(1),
      attempt: z.number().int().min(1),
    }),
    queue: (p) => `erp:${p.companyId}`,
    key: (p) => `export:${p.submissionId}`,
    maxAttempts: 50,
  }),
  /** Delivers one outbox email. Re-queueing the same email replaces a leftover job instead of doubling it. */
  send_email: job({
    payload: z.object({ companyId: z.string().min(1), emailId: z.string().min(1) }),
    key: (p) => `email:${p.emailId}`,
    maxAttempts: 12,
  }),
  /**
   * Every five minutes, so a summary goes out within five minutes of its hour. `fill` replays ticks missed while
   * every worker was down (a restart still sends that day's summaries); the job key folds those replays into one
   * run, and `max` keeps a failing tick from piling up retries behind the next one.
   */
  daily_summary_tick: job({
    payload: z.looseObject({}),
    maxAttempts: 3,
    cron: { pattern: "*/5 * * * *", fill: "2h" },
  }),
  /** Takes in the changes one stored, verified QuickBooks Online webhook delivery names. */
  qbo_webhook_delivery: job({
    payload: z.object({ deliveryId: z.string().regex(/^\d{1,18}$/) }),
    maxAttempts: 10,
  }),
  /**
   * Every minute; the job itself decides per company whether a change data capture call is due (always without
   * webhooks, after a quiet period with them). One run at a time; a missed tick is not replayed.
   */
  qbo_change_capture: job({
    payload: z.looseObject({}),
    maxAttempts: 1,
    cron: { pattern: "* * * * *" },
  }),
};

export type JobName = keyof typeof JOBS;
/** What a caller passes to `enqueue` for a job. */
export type JobInput<N extends JobName> = z.input<(typeof JOBS)[N]["payload"]>;
/** What the job's handler receives. */
export type JobPayload<N extends JobName> = z.output<(typeof JOBS)[N]["payload"]>;

export const JOB_NAMES = Object.keys(JOBS) as JobName[];

function specOf<N extends JobName>(name: N): JobSpec {
  return JOBS[name] as unknown as JobSpec;
}

/** The queue's row for one job: the catalog's rules applied to a payload checked against its schema. */
export function jobRow<N extends JobName>(name: N, input: JobInput<N>) {
  const spec = specOf(name);
  const payload = spec.payload.parse(input);
  return {
    identifier: name as string,
    payload: JSON.stringify(payload, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
    queueName: spec.queue?.(payload) ?? null,
    jobKey: spec.key?.(payload) ?? (spec.cron ? name : null),
    maxAttempts: spec.maxAttempts,
  };
}

/**
 * Adds a job inside the caller's transaction, so the job exists if and only if the change that causes it commits.
 * The payload's type is checked against the job's schema at compile time and parsed by it at run time.
 * `clock_timestamp()` keeps jobs added in one transaction in the order they were added.
 */
export async function enqueue<N extends JobName>(
  db: Executor,
  name: N,
  payload: JobInput<N>,
  opts: { runAt?: Date } = {},
): Promise<void> {
  const row = jobRow(name, payload);
  await sql`select graphile_worker.add_job(
      ${row.identifier}::text,
      ${row.payload}::json,
      queue_name := ${row.queueName}::text,
      run_at := coalesce(${opts.runAt ?? null}::timestamptz, clock_timestamp()),
      max_attempts := ${row.maxAttempts}::int,
      job_key := ${row.jobKey}::text
    )`.execute(db);
}

/** Adds many jobs of one kind in one statement (same rules as `enqueue`), inside the caller's transaction. */
export async function enqueueMany<N extends JobName>(
  db: Executor,
  name: N,
  payloads: readonly JobInput<N>[],
): Promise<void> {
  if (payloads.length === 0) return;
  const specs = JSON.stringify(
    payloads.map((p) => {
      const row = jobRow(name, p);
      return {
        identifier: row.identifier,
        payload: JSON.parse(row.payload),
        queue_name: row.queueName,
        max_attempts: row.maxAttempts,
        job_key: row.jobKey,
      };
    }),
  );
  await sql`select count(*) from graphile_worker.add_jobs(array(
      select json_populate_record(null::graphile_worker.job_spec, s)
      from json_array_elements(${specs}::json) as s
    ))`.execute(db);
}

/** The worker's crontab, from the periodic jobs of the catalog: each fires once per slot across all workers. */
export function crontab(): string {
  const lines = JOB_NAMES.flatMap((name) => {
    const spec = specOf(name);
    const cron = spec.cron;
    if (!cron) return [];
    const options = [cron.fill ? `fill=${cron.fill}` : "", `max=${spec.maxAttempts}`, `jobKey=${name}`]
      .filter(Boolean)
      .join("&");
    return [`${cron.pattern} ${name} ?${options}`];
  });
  return lines.length ? lines.join("\n") : "# none";
}

import { sql } from "kysely";
import type { Executor } from "../db/database.js";

export interface EnqueueOptions {
  /** Jobs with the same queue name run one at a time, in order (e.g. one QuickBooks company). */
  queueName?: string;
  /** A second add with the same key replaces the waiting job instead of adding another. */
  jobKey?: string;
  maxAttempts?: number;
  runAt?: Date;
  priority?: number;
}

/**
 * Adds a job inside the caller's transaction, so the job exists if and only if the change that causes it commits.
 * `clock_timestamp()` keeps jobs added in one transaction in the order they were added.
 */
export async function enqueueJob(
  db: Executor,
  task: string,
  payload: Record<string, unknown>,
  opts: EnqueueOptions = {},
): Promise<void> {
  const json = JSON.stringify(payload, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  await sql`select graphile_worker.add_job(
      ${task}::text,
      ${json}::json,
      queue_name := ${opts.queueName ?? null}::text,
      run_at := coalesce(${opts.runAt ?? null}::timestamptz, clock_timestamp()),
      max_attempts := ${opts.maxAttempts ?? 25}::int,
      job_key := ${opts.jobKey ?? null}::text,
      priority := ${opts.priority ?? 0}::int
    )`.execute(db);
}

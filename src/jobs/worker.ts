import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import {
  type JobHelpers,
  Logger,
  makeWorkerUtils,
  type Runner,
  run,
  type TaskList,
  type WorkerEvents,
} from "graphile-worker";
import type pg from "pg";
import type { z } from "zod";

export interface TaskDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  payload: S;
  handler: (payload: z.output<S>, helpers: JobHelpers) => Promise<void>;
}

export function defineTask<S extends z.ZodType>(def: TaskDefinition<S>): TaskDefinition<S> {
  return def;
}

export interface WorkerOptions {
  pool: pg.Pool;
  tasks: TaskDefinition[];
  concurrency: number;
  crontab?: string;
  /** Stable across restarts of the same instance, so a restart frees what its killed predecessor held at once. */
  instanceId?: string;
  log: {
    info(o: object, m?: string): void;
    warn(o: object, m?: string): void;
    error(o: object, m?: string): void;
  };
  heartbeatMs?: number;
  deadAfterMs?: number;
}

export interface RunningWorker {
  instanceId: string;
  stop(): Promise<void>;
  isRunning(): boolean;
}

/**
 * Starts graphile-worker with the settings this product needs: completions flushed at once (no batching that a
 * shutdown could lose), and liveness: each instance records its pool id and a heartbeat, a restarted instance
 * unlocks what its dead predecessor held, and any instance unlocks the jobs of instances whose heartbeat stopped.
 * Without this, a killed worker's jobs would stay locked for four hours.
 */
export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const instanceId = opts.instanceId ?? `worker-${randomUUID()}`;
  const heartbeatMs = opts.heartbeatMs ?? 5_000;
  const deadAfterMs = opts.deadAfterMs ?? 20_000;
  const utils = await makeWorkerUtils({ pgPool: opts.pool, logger: workerLogger(opts.log) });

  const previous = await opts.pool.query<{ pool_id: string | null }>(
    "select pool_id from worker_instances where instance_id = $1",
    [instanceId],
  );
  const previousPool = previous.rows[0]?.pool_id;
  if (previousPool) await utils.forceUnlockWorkers([previousPool]);

  const taskList: TaskList = {};
  for (const task of opts.tasks) {
    taskList[task.name] = async (raw, helpers) => {
      const parsed = task.payload.safeParse(raw);
      if (!parsed.success) {
        // A payload that cannot be read will never succeed: log it and drop it instead of retrying forever.
        opts.log.error({ task: task.name, issues: parsed.error.issues }, "job payload rejected");
        return;
      }
      await task.handler(parsed.data, helpers);
    };
  }

  const events: WorkerEvents = new EventEmitter() as WorkerEvents;
  let poolId: string | null = null;
  events.on("pool:create", ({ workerPool }) => {
    poolId = workerPool.id;
  });
  events.on("job:error", ({ job, error }) => {
    opts.log.warn({ task: job.task_identifier, jobId: job.id, err: String(error) }, "job failed; will retry");
  });

  const runner: Runner = await run({
    pgPool: opts.pool,
    concurrency: opts.concurrency,
    noHandleSignals: true,
    pollInterval: 1_000,
    taskList,
    crontab: opts.crontab ?? "# none",
    events,
    logger: workerLogger(opts.log),
    preset: {
      worker: {
        completeJobBatchDelay: 0,
        failJobBatchDelay: 0,
        gracefulShutdownAbortTimeout: 5_000,
      },
    },
  });

  const beat = async () => {
    await opts.pool.query(
      `insert into worker_instances (instance_id, pool_id, pid, heartbeat_at) values ($1, $2, $3, now())
       on conflict (instance_id) do update set pool_id = excluded.pool_id, pid = excluded.pid, heartbeat_at = now()`,
      [instanceId, poolId, process.pid],
    );
    const dead = await opts.pool.query<{ instance_id: string; pool_id: string | null }>(
      `delete from worker_instances where heartbeat_at < now() - make_interval(secs => $1) and instance_id <> $2
       returning instance_id, pool_id`,
      [deadAfterMs / 1000, instanceId],
    );
    const pools = dead.rows.map((r) => r.pool_id).filter((p): p is string => Boolean(p));
    if (pools.length) {
      await utils.forceUnlockWorkers(pools);
      opts.log.warn(
        { instances: dead.rows.map((r) => r.instance_id) },
        "unlocked jobs of workers that stopped",
      );
    }
  };
  await beat().catch((err) => opts.log.warn({ err: String(err) }, "worker heartbeat failed"));
  const timer = setInterval(() => {
    beat().catch((err) => opts.log.warn({ err: String(err) }, "worker heartbeat failed"));
  }, heartbeatMs);
  timer.unref();

  let running = true;
  runner.promise.catch((err) => {
    running = false;
    opts.log.error({ err: String(err) }, "worker stopped unexpectedly");
  });

  return {
    instanceId,
    isRunning: () => running,
    async stop() {
      clearInterval(timer);
      running = false;
      await runner.stop();
      await opts.pool
        .query("update worker_instances set heartbeat_at = now() where instance_id = $1", [instanceId])
        .catch(() => {});
      await utils.release();
    },
  };
}

function workerLogger(log: WorkerOptions["log"]): Logger {
  return new Logger(() => (level, message, meta) => {
    if (level === "error") log.error({ meta }, message);
    else if (level === "warning") log.warn({ meta }, message);
  });
}

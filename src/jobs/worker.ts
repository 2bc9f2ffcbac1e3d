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
import pg from "pg";
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
  const pool = queuePool(opts.pool, opts.concurrency + 3);
  const utils = await makeWorkerUtils({ pgPool: pool, logger: workerLogger(opts.log) });

  const previous = await pool.query<{ pool_id: string | null }>(
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
  // Jobs this process is running, and those it finished lately (their completion may still be on its way).
  const runningJobs = new Set<string>();
  const finishedAt = new Map<string, number>();
  events.on("job:start", ({ job }) => {
    runningJobs.add(String(job.id));
  });
  events.on("job:complete", ({ job }) => {
    runningJobs.delete(String(job.id));
    finishedAt.set(String(job.id), Date.now());
  });
  events.on("job:error", ({ job, error }) => {
    opts.log.warn({ task: job.task_identifier, jobId: job.id, err: String(error) }, "job failed; will retry");
  });

  const launch = () =>
    run({
      pgPool: pool,
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
  let runner: Runner = await launch();

  const beat = async () => {
    await pool.query(
      `insert into worker_instances (instance_id, pool_id, pid, heartbeat_at) values ($1, $2, $3, now())
       on conflict (instance_id) do update set pool_id = excluded.pool_id, pid = excluded.pid, heartbeat_at = now()`,
      [instanceId, poolId, process.pid],
    );
    const dead = await pool.query<{ instance_id: string; pool_id: string | null }>(
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
    // A process killed between starting its pool and its first heartbeat locked jobs under a pool id that was
    // never recorded, so neither rule above would free them. Any lock older than the dead-after window held by a
    // pool that no live instance owns belongs to such a process.
    const orphans = await pool.query<{ locked_by: string }>(
      `select distinct locked_by from (
         select locked_by, locked_at from graphile_worker._private_jobs where locked_by is not null
         union all
         select locked_by, locked_at from graphile_worker._private_job_queues where locked_by is not null
       ) held
       where locked_at < now() - make_interval(secs => $1)
         and locked_by not in (
           select pool_id from worker_instances
           where pool_id is not null and heartbeat_at >= now() - make_interval(secs => $1)
         )
         and locked_by <> $2`,
      [deadAfterMs / 1000, poolId ?? ""],
    );
    if (orphans.rows.length) {
      await utils.forceUnlockWorkers(orphans.rows.map((r) => r.locked_by));
      opts.log.warn({ pools: orphans.rows.map((r) => r.locked_by) }, "unlocked jobs of unknown dead workers");
    }
    // When the database goes away while a job runs, the queue cannot record its end: the job (and its queue)
    // stay locked by this very pool, which is alive, so nothing above frees them. A lock of ours on a job we are
    // not running, and have not just finished, is such a leftover.
    if (poolId) {
      const now = Date.now();
      for (const [id, at] of finishedAt) if (now - at > deadAfterMs) finishedAt.delete(id);
      const freed = await pool.query<{ n: string }>(
        `with freed as (
           update graphile_worker._private_jobs set locked_by = null, locked_at = null
           where locked_by = $1 and locked_at < now() - make_interval(secs => $3)
             and not (id::text = any($2::text[]))
           returning job_queue_id
         ), queues as (
           update graphile_worker._private_job_queues set locked_by = null, locked_at = null
           where locked_by = $1 and id in (select job_queue_id from freed)
         )
         select count(*)::text as n from freed`,
        [poolId, [...runningJobs, ...finishedAt.keys()], deadAfterMs / 1000],
      );
      if (Number(freed.rows[0]?.n ?? 0) > 0) {
        opts.log.warn({ jobs: Number(freed.rows[0]!.n) }, "released jobs whose end could not be recorded");
      }
    }
  };
  await beat().catch((err) => opts.log.warn({ err: String(err) }, "worker heartbeat failed"));
  const timer = setInterval(() => {
    beat().catch((err) => opts.log.warn({ err: String(err) }, "worker heartbeat failed"));
  }, heartbeatMs);
  timer.unref();

  let running = true;
  let stopping = false;
  // The queue's runner stops for good when it cannot record a job's end (the database went away at that
  // moment). This process is still healthy, so it starts a new runner once the database answers again; what the
  // old one held is unlocked first, so nothing waits for the four-hour lock timeout.
  const restart = async (why: string) => {
    running = false;
    const deadPool = poolId;
    opts.log.error({ err: why }, "worker stopped unexpectedly; restarting it");
    for (let attempt = 0; !stopping; attempt++) {
      await new Promise((r) => setTimeout(r, Math.min(30_000, 250 * 2 ** Math.min(attempt, 7))));
      if (stopping) return;
      try {
        if (deadPool) await utils.forceUnlockWorkers([deadPool]);
        runner = await launch();
        supervise(runner);
        running = true;
        await beat().catch(() => {});
        opts.log.warn({ pool: poolId }, "worker restarted");
        return;
      } catch (err) {
        opts.log.warn({ err: String(err) }, "worker restart failed; trying again");
      }
    }
  };
  const supervise = (r: Runner) => {
    r.promise.then(
      () => {
        if (!stopping) void restart("the queue runner ended");
      },
      (err) => {
        if (!stopping) void restart(String(err));
      },
    );
  };
  supervise(runner);

  return {
    instanceId,
    isRunning: () => running,
    async stop() {
      stopping = true;
      clearInterval(timer);
      running = false;
      // Jobs get a graceful window to finish; one stuck on an outside call is then abandoned. That is safe: every
      // job is idempotent, and an abandoned one is unlocked for a retry when this instance next starts (or by the
      // reaper of another instance).
      const stopped = await within(
        STOP_GRACE_MS,
        runner.stop().catch(() => {}),
      );
      if (!stopped) {
        opts.log.warn({ graceMs: STOP_GRACE_MS }, "jobs still running at shutdown; abandoning them");
        await within(
          2_000,
          runner.kill().catch(() => {}),
        );
      }
      await pool
        .query("update worker_instances set heartbeat_at = now() where instance_id = $1", [instanceId])
        .catch(() => {});
      await within(2_000, Promise.resolve(utils.release()));
      await within(
        2_000,
        pool.end().catch(() => {}),
      );
    },
  };
}

const STOP_GRACE_MS = 10_000;

/** Waits for `p` at most `ms`; true when it settled in time. */
async function within(ms: number, p: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A pool of the queue's own on the same database. The application parses int8 as BigInt (money), but the queue
 * library serialises its bigint job ids with JSON.stringify when it records a failure: with BigInt ids that throws
 * and stops the whole worker the first time a job fails. The queue's connections keep int8 as text.
 */
function queuePool(appPool: pg.Pool, max: number): pg.Pool {
  const { max: _max, ...options } = (appPool as unknown as { options: pg.PoolConfig }).options;
  const pool = new pg.Pool({
    ...options,
    max,
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === pg.types.builtins.INT8
          ? (v: string) => v
          : pg.types.getTypeParser(oid, format as "text")) as pg.CustomTypesConfig["getTypeParser"],
    },
  });
  // A dropped connection (database restart) must not crash the process; the queue reconnects on its own.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  return pool;
}

function workerLogger(log: WorkerOptions["log"]): Logger {
  return new Logger(() => (level, message, meta) => {
    if (level === "error") log.error({ meta }, message);
    else if (level === "warning") log.warn({ meta }, message);
  });
}

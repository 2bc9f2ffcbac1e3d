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
  /**
   * A stable name to derive the instance id from (WORKER_ID, or the host's name): the worker claims the first
   * free slot of it (`name`, `name-2`, …) with a session advisory lock, so two live workers never share an id
   * and a restarted one takes over its killed predecessor's slot (and frees its locks) at once.
   */
  identity?: string;
  log: {
    info(o: object, m?: string): void;
    warn(o: object, m?: string): void;
    error(o: object, m?: string): void;
  };
  heartbeatMs?: number;
  deadAfterMs?: number;
  /** A runner none of whose free workers asked for a job for this long has stalled and is replaced; 30 s. */
  stallMs?: number;
}

export interface RunningWorker {
  instanceId: string;
  stop(): Promise<void>;
  /** The queue runner is up (it may be between polls). */
  isRunning(): boolean;
  /** Whether this worker can take jobs now, and why not. */
  health(): WorkerHealth;
}

export interface WorkerHealth {
  ok: boolean;
  instanceId: string;
  running: boolean;
  /** The queue's LISTEN connection is up (new jobs are picked up at once, not only by polling). */
  listening: boolean;
  /** The last heartbeat reached the database within three heartbeat periods. */
  databaseReachable: boolean;
  /** A free queue worker asked for a job lately (or every worker is busy). */
  polling: boolean;
  restarts: number;
  jobsRunning: number;
}

/**
 * Starts graphile-worker with the settings this product needs: completions flushed at once (no batching that a
 * shutdown could lose), and liveness: each instance records its pool id and a heartbeat, a restarted instance
 * unlocks what its dead predecessor held, and any instance unlocks the jobs of instances whose heartbeat stopped.
 * Without this, a killed worker's jobs would stay locked for four hours.
 */
export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const heartbeatMs = opts.heartbeatMs ?? 5_000;
  const deadAfterMs = opts.deadAfterMs ?? 20_000;
  // The slot's lock holds one connection for the worker's life.
  const pool = queuePool(opts.pool, opts.concurrency + 3 + (opts.identity ? 1 : 0));
  const slot = opts.instanceId || !opts.identity ? null : await claimSlot(pool, opts.identity, opts.log);
  const instanceId = opts.instanceId ?? slot?.instanceId ?? `worker-${randomUUID()}`;
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

  let running = true;
  let stopping = false;
  let restarting = false;
  const events: WorkerEvents = new EventEmitter() as WorkerEvents;
  let poolId: string | null = null;
  let listening = false;
  let lastBeatOkAt = Date.now();
  let restarts = 0;
  let lastPollAt = Date.now();
  const stallMs = opts.stallMs ?? 30_000;
  events.on("pool:create", ({ workerPool }) => {
    poolId = workerPool.id;
    listening = false;
  });
  events.on("worker:getJob:start", ({ worker }) => {
    if (worker.workerPool.id === poolId) lastPollAt = Date.now();
  });
  events.on("pool:listen:success", ({ workerPool }) => {
    if (workerPool.id === poolId) listening = true;
  });
  events.on("pool:listen:error", ({ workerPool }) => {
    if (workerPool.id === poolId) listening = false;
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
  // The queue's pool gives up for good when it cannot record a job's end (the database went away at that
  // moment): it starts a graceful shutdown that waits for its workers and for the completion it cannot write,
  // retrying against a database that is gone, so the runner's promise may not settle for minutes, or at all.
  // The pool's own events say at once that it is going; that is when this process replaces it.
  events.on("pool:fatalError", ({ workerPool, error }) => {
    if (workerPool.id === poolId) failed(`the queue could not record a job's end: ${String(error)}`);
  });
  events.on("pool:gracefulShutdown", ({ workerPool, message }) => {
    if (workerPool.id === poolId) failed(`the queue runner is shutting down: ${message}`);
  });
  events.on("worker:fatalError", ({ worker, error }) => {
    if (worker.workerPool.id === poolId) failed(`a queue worker stopped: ${String(error)}`);
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
    if (slot) await slot.ensure();
    await pool.query(
      `insert into worker_instances (instance_id, pool_id, pid, heartbeat_at) values ($1, $2, $3, now())
       on conflict (instance_id) do update set pool_id = excluded.pool_id, pid = excluded.pid, heartbeat_at = now()`,
      [instanceId, poolId, process.pid],
    );
    lastBeatOkAt = Date.now();
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
    // Read through the queue's public `jobs` view. A queue is locked only together with one of its jobs (and
    // freed with it), so the jobs' locks name every pool that holds anything.
    const orphans = await pool.query<{ locked_by: string }>(
      `select distinct locked_by from graphile_worker.jobs
       where locked_by is not null
         and locked_at < now() - make_interval(secs => $1)
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
      const freed = await releaseLeftoverLocks(
        pool,
        poolId,
        [...runningJobs, ...finishedAt.keys()],
        deadAfterMs,
      );
      if (freed > 0) opts.log.warn({ jobs: freed }, "released jobs whose end could not be recorded");
    }
  };
  await beat().catch((err) => opts.log.warn({ err: String(err) }, "worker heartbeat failed"));
  const polling = () => runningJobs.size >= opts.concurrency || Date.now() - lastPollAt < stallMs;
  const timer = setInterval(() => {
    // Whatever the cause, a runner whose free workers stopped asking for jobs takes none: replace it.
    if (running && !polling()) failed(`the queue runner stopped polling for ${stallMs} ms`);
    beat().catch((err) => opts.log.warn({ err: String(err) }, "worker heartbeat failed"));
  }, heartbeatMs);
  timer.unref();

  // This process is still healthy when its queue runner gives up, so it replaces the runner: the old one is
  // stopped forcefully within a bound (its graceful shutdown may wait on the database forever), and a new one is
  // started, with back-off, once the database answers again; what the old one held is unlocked first, so nothing
  // waits for the four-hour lock timeout. The new runner opens its own LISTEN connection.
  function failed(why: string) {
    if (stopping || restarting) return;
    restarting = true;
    running = false;
    void restart(why).finally(() => {
      restarting = false;
    });
  }
  const restart = async (why: string) => {
    const old = runner;
    const deadPool = poolId;
    opts.log.error({ err: why }, "worker stopped unexpectedly; restarting it");
    const killed = await within(
      FORCE_STOP_MS,
      old.kill("replaced after a failure").catch(() => {}),
    );
    if (!killed)
      opts.log.warn({ pool: deadPool }, "the failed queue runner did not stop in time; abandoning it");
    for (let attempt = 0; !stopping; attempt++) {
      if (attempt > 0)
        await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * 2 ** Math.min(attempt, 5))));
      if (stopping) return;
      try {
        await pool.query("select 1");
        if (deadPool) await utils.forceUnlockWorkers([deadPool]);
        const next = await launch();
        if (stopping) {
          await within(
            FORCE_STOP_MS,
            next.stop().catch(() => {}),
          );
          return;
        }
        runner = next;
        supervise(next);
        lastPollAt = Date.now();
        running = true;
        restarts++;
        await beat().catch(() => {});
        opts.log.warn({ pool: poolId, attempt }, "worker restarted");
        return;
      } catch (err) {
        if (attempt % 10 === 0) opts.log.warn({ err: String(err) }, "worker restart failed; trying again");
      }
    }
  };
  const supervise = (r: Runner) => {
    r.promise.then(
      () => {
        if (r === runner) failed("the queue runner ended");
      },
      (err) => {
        if (r === runner) failed(String(err));
      },
    );
  };
  supervise(runner);

  return {
    instanceId,
    isRunning: () => running,
    health() {
      const databaseReachable = Date.now() - lastBeatOkAt < 3 * heartbeatMs;
      return {
        ok: running && listening && databaseReachable && polling(),
        instanceId,
        running,
        listening,
        databaseReachable,
        polling: polling(),
        restarts,
        jobsRunning: runningJobs.size,
      };
    },
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
      await slot?.release();
      await within(
        2_000,
        pool.end().catch(() => {}),
      );
    },
  };
}

/**
 * Unlocks the jobs (and their queues) that the live pool `poolId` holds but is not running, locked longer than
 * `deadAfterMs`. The queue's public API cannot do this: `force_unlock_workers` frees everything a pool holds,
 * including the jobs it is running now, which another worker would then run a second time, and
 * `reschedule_jobs`, `permanently_fail_jobs` and `complete_jobs` leave locked jobs alone. So this one statement
 * writes the library's private tables, and `queue-internals.db.test.ts` checks that their shape is still the one
 * it was written for (decision 0010).
 */
export async function releaseLeftoverLocks(
  pool: pg.Pool,
  poolId: string,
  busyJobIds: string[],
  deadAfterMs: number,
): Promise<number> {
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
    [poolId, busyJobIds, deadAfterMs / 1000],
  );
  return Number(freed.rows[0]?.n ?? 0);
}

const STOP_GRACE_MS = 10_000;
const FORCE_STOP_MS = 8_000;

interface Slot {
  instanceId: string;
  /** Takes the slot's lock again after its connection was lost (a database restart). */
  ensure(): Promise<void>;
  release(): Promise<void>;
}

/**
 * Claims the first free instance id of `base` (`base`, `base-2`, …) by a session advisory lock held on a
 * connection of its own for the worker's life. A killed worker's connection closes with it, so its successor on
 * the same host gets the same id at once.
 */
async function claimSlot(pool: pg.Pool, base: string, log: WorkerOptions["log"]): Promise<Slot> {
  const key = (id: string) => `costbridge-worker:${id}`;
  let client: pg.PoolClient | null = null;
  let instanceId = "";
  const connect = async () => {
    const c = await pool.connect();
    c.on("error", () => {});
    return c;
  };
  const take = async (c: pg.PoolClient, id: string) =>
    (await c.query<{ ok: boolean }>("select pg_try_advisory_lock(hashtext($1)) as ok", [key(id)])).rows[0]
      ?.ok === true;
  client = await connect();
  for (let n = 1; ; n++) {
    const id = n === 1 ? base : `${base}-${n}`;
    if (await take(client, id)) {
      instanceId = id;
      break;
    }
  }
  let lost = false;
  const watch = (c: pg.PoolClient) =>
    c.once("error", () => {
      lost = true;
    });
  watch(client);
  return {
    instanceId,
    async ensure() {
      if (!lost && client) return;
      try {
        client?.release(true);
      } catch {}
      client = null;
      const c = await connect();
      if (await take(c, instanceId)) {
        client = c;
        lost = false;
        watch(c);
      } else {
        c.release();
        log.warn({ instanceId }, "another live worker holds this worker id; set WORKER_ID per worker");
      }
    },
    async release() {
      if (!client) return;
      try {
        await client.query("select pg_advisory_unlock(hashtext($1))", [key(instanceId)]);
      } catch {}
      client.release(true);
      client = null;
    },
  };
}

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

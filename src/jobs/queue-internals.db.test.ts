import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/support/app.js";
import { enqueue } from "./catalog.js";
import { releaseLeftoverLocks } from "./worker.js";

/*
 * The worker writes the queue library's private tables in one place (releaseLeftoverLocks, decision 0010). These
 * tests pin the shape it was written for: an upgrade of the library that changes it fails here, not in production.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

async function columns(table: string): Promise<string[]> {
  const r = await sql<{ column_name: string }>`select column_name from information_schema.columns
    where table_schema = 'graphile_worker' and table_name = ${table}`.execute(t.ctx.db);
  return r.rows.map((x) => x.column_name);
}

/** Locks a job and its queue as a worker pool does when it takes the job, `ageSeconds` ago. */
async function lockAs(poolId: string, key: string, ageSeconds: number): Promise<string> {
  const r = await sql<{ id: string }>`update graphile_worker._private_jobs
    set locked_by = ${poolId}, locked_at = now() - make_interval(secs => ${ageSeconds})
    where key = ${key} returning id::text as id`.execute(t.ctx.db);
  await sql`update graphile_worker._private_job_queues q
    set locked_by = ${poolId}, locked_at = now() - make_interval(secs => ${ageSeconds})
    from graphile_worker._private_jobs j where j.key = ${key} and q.id = j.job_queue_id`.execute(t.ctx.db);
  return r.rows[0]!.id;
}

async function lockOf(key: string) {
  const r = await sql<{
    job: string | null;
    queue: string | null;
  }>`select j.locked_by as job, q.locked_by as queue
    from graphile_worker._private_jobs j left join graphile_worker._private_job_queues q on q.id = j.job_queue_id
    where j.key = ${key}`.execute(t.ctx.db);
  return r.rows[0];
}

describe("the queue's schema this product relies on", () => {
  it("is the schema of the pinned library version", async () => {
    const r = await sql<{ id: number }>`select max(id)::int as id from graphile_worker.migrations`.execute(
      t.ctx.db,
    );
    expect(r.rows[0]!.id).toBe(19);
  });

  it("keeps the private lock columns the leftover release writes", async () => {
    expect(await columns("_private_jobs")).toEqual(
      expect.arrayContaining(["id", "key", "job_queue_id", "locked_by", "locked_at"]),
    );
    expect(await columns("_private_job_queues")).toEqual(
      expect.arrayContaining(["id", "locked_by", "locked_at"]),
    );
  });

  it("shows each job's lock in the public jobs view the reaper reads", async () => {
    expect(await columns("jobs")).toEqual(
      expect.arrayContaining(["id", "locked_by", "locked_at", "queue_name"]),
    );
  });
});

describe("releaseLeftoverLocks", () => {
  it("frees a live pool's stale locks on jobs it is not running, and nothing else", async () => {
    const db = t.ctx.db;
    await enqueue(db, "export_submission", { companyId: "co_a", submissionId: "sub_left", attempt: 1 });
    await enqueue(db, "export_submission", { companyId: "co_b", submissionId: "sub_busy", attempt: 1 });
    await enqueue(db, "export_submission", { companyId: "co_c", submissionId: "sub_fresh", attempt: 1 });
    await enqueue(db, "export_submission", { companyId: "co_d", submissionId: "sub_other", attempt: 1 });
    await lockAs("pool-a", "export:sub_left", 60);
    const busy = await lockAs("pool-a", "export:sub_busy", 60);
    await lockAs("pool-a", "export:sub_fresh", 1);
    await lockAs("pool-b", "export:sub_other", 60);

    expect(await releaseLeftoverLocks(t.ctx.pool, "pool-a", [busy], 20_000)).toBe(1);

    expect(await lockOf("export:sub_left")).toEqual({ job: null, queue: null });
    expect(await lockOf("export:sub_busy")).toEqual({ job: "pool-a", queue: "pool-a" });
    expect(await lockOf("export:sub_fresh")).toEqual({ job: "pool-a", queue: "pool-a" });
    expect(await lockOf("export:sub_other")).toEqual({ job: "pool-b", queue: "pool-b" });
  });
});

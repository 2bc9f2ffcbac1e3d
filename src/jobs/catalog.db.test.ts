import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/support/app.js";
import { createSmtpMailer, type SmtpMailer } from "../mail/mailer.js";
import { enqueue, enqueueMany, JOB_NAMES } from "./catalog.js";
import { allTasks } from "./tasks.js";

let t: TestApp;
let mailer: SmtpMailer;

beforeAll(async () => {
  t = await createTestApp();
  // Never connected to: the test only lists what a worker with a mailer registers.
  mailer = createSmtpMailer({ smtpUrl: "smtp://127.0.0.1:9", from: "Costbridge <no-reply@costbridge.test>" });
});
afterAll(async () => {
  await mailer.close();
  await t.close();
});
beforeEach(async () => {
  await sql`select graphile_worker.complete_jobs(array(select id from graphile_worker.jobs))`.execute(
    t.ctx.db,
  );
});

interface Row {
  task_identifier: string;
  queue_name: string | null;
  key: string | null;
  max_attempts: number;
  run_at: Date;
}

async function jobs(): Promise<Row[]> {
  const r = await sql<Row>`select task_identifier, queue_name, key, max_attempts, run_at
    from graphile_worker.jobs order by id`.execute(t.ctx.db);
  return r.rows;
}

describe("enqueue", () => {
  it("adds an export in its company's queue, keyed by the submission, with the catalog's attempts", async () => {
    const runAt = new Date(Date.now() + 60_000);
    await enqueue(t.ctx.db, "export_submission", { companyId: "co_a", submissionId: "sub_1", attempt: 1 });
    await enqueue(
      t.ctx.db,
      "export_submission",
      { companyId: "co_a", submissionId: "sub_1", attempt: 2 },
      { runAt },
    );
    const rows = await jobs();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      task_identifier: "export_submission",
      queue_name: "erp:co_a",
      key: "export:sub_1",
      max_attempts: 50,
    });
    expect(rows[0]!.run_at.getTime()).toBe(runAt.getTime());
  });

  it("adds one email job per email however often it is queued", async () => {
    await enqueue(t.ctx.db, "send_email", { companyId: "co_a", emailId: "eml_1" });
    await enqueue(t.ctx.db, "send_email", { companyId: "co_a", emailId: "eml_1" });
    await enqueue(t.ctx.db, "send_email", { companyId: "co_a", emailId: "eml_2" });
    expect(await jobs()).toEqual([
      expect.objectContaining({
        task_identifier: "send_email",
        queue_name: null,
        key: "email:eml_1",
        max_attempts: 12,
      }),
      expect.objectContaining({ key: "email:eml_2", max_attempts: 12 }),
    ]);
  });

  it("adds nothing for a payload the job's schema refuses", async () => {
    await expect(
      // @ts-expect-error: the email job needs the email's id.
      enqueue(t.ctx.db, "send_email", { companyId: "co_a" }),
    ).rejects.toThrow();
    expect(await jobs()).toEqual([]);
  });

  it("adds many jobs in one statement by the same rules", async () => {
    await enqueue(t.ctx.db, "send_email", { companyId: "co_a", emailId: "eml_1" });
    await enqueueMany(t.ctx.db, "send_email", [
      { companyId: "co_a", emailId: "eml_1" },
      { companyId: "co_a", emailId: "eml_3" },
    ]);
    const rows = await jobs();
    expect(rows.map((r) => [r.key, r.max_attempts])).toEqual([
      ["email:eml_1", 12],
      ["email:eml_3", 12],
    ]);
  });

  it("commits the job with the caller's transaction, or not at all", async () => {
    await expect(
      t.ctx.db.transaction().execute(async (tx) => {
        await enqueue(tx, "send_email", { companyId: "co_a", emailId: "eml_9" });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await jobs()).toEqual([]);
  });
});

describe("the worker's task list", () => {
  it("registers every catalog job when the worker sends mail", () => {
    expect(
      allTasks(t.ctx, { mailer })
        .map((x) => x.name)
        .sort(),
    ).toEqual([...JOB_NAMES].sort());
  });

  it("leaves the email jobs for another worker when this one has no mailer", () => {
    expect(allTasks(t.ctx).map((x) => x.name)).not.toContain("send_email");
  });
});

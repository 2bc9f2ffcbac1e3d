import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/support/app.js";
import {
  insertApprovers,
  insertSubmission,
  type SmtpSink,
  startSmtpSink,
} from "../../../test/support/email.js";
import { makeCompany, makeUser } from "../../../test/support/factories.js";
import { allTasks } from "../../jobs/tasks.js";
import { type RunningWorker, startWorker } from "../../jobs/worker.js";
import { createSmtpMailer, type SmtpMailer } from "../../mail/mailer.js";
import { DAILY_SUMMARY_SUBJECT } from "../../mail/templates/index.js";
import { runDailySummary } from "./daily-summary.js";

let t: TestApp;
let sink: SmtpSink;
let mailer: SmtpMailer;
let workers: RunningWorker[] = [];

beforeAll(async () => {
  t = await createTestApp();
  sink = await startSmtpSink();
  mailer = createSmtpMailer({ smtpUrl: sink.url, from: "Costbridge <no-reply@costbridge.test>" });
  const silent = { info() {}, warn() {}, error() {} };
  // Two workers on one database, as with several worker processes.
  workers = await Promise.all(
    [1, 2].map(() =>
      startWorker({ pool: t.ctx.pool, tasks: allTasks(t.ctx, { mailer }), concurrency: 4, log: silent }),
    ),
  );
});
afterAll(async () => {
  for (const w of workers) await w.stop();
  await mailer.close();
  await sink.close();
  await t.close();
});

async function until(check: () => Promise<boolean> | boolean) {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("condition not reached");
}

describe("email jobs on running workers", () => {
  it("delivers each queued summary exactly once and marks it sent", async () => {
    const companyId = await makeCompany(t.ctx);
    const pm = await makeUser(t.ctx, companyId, { budget: "admin" });
    await insertSubmission(t.ctx, companyId, {
      submittedBy: pm.id,
      projectNumber: "77",
      projectName: "Pier",
    });
    const approvers = await insertApprovers(t.ctx, companyId, 40);
    const runs = await Promise.all(
      [1, 2, 3].map(() => runDailySummary(t.ctx, { now: new Date(), companyId, force: true })),
    );
    expect(runs.reduce((n, r) => n + r.sent, 0)).toBe(40);

    await until(async () => {
      const left = await t.ctx.db
        .selectFrom("email_outbox")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("company_id", "=", companyId)
        .where("status", "<>", "sent")
        .executeTakeFirstOrThrow();
      return Number(left.n) === 0;
    });
    const received = sink.messages.flatMap((m) => m.envelopeTo).sort();
    expect(received).toEqual(approvers.map((a) => a.email).sort());
    expect(new Set(sink.messages.map((m) => m.parsed.subject))).toEqual(new Set([DAILY_SUMMARY_SUBJECT]));
    expect(sink.messages[0]!.parsed.text).toContain("77 Pier");
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/support/app.js";
import {
  insertApprovers,
  insertSubmission,
  jobHelpers,
  queuedJobs,
  type SmtpSink,
  startSmtpSink,
} from "../../../test/support/email.js";
import { makeCompany, makeUser } from "../../../test/support/factories.js";
import { taskFor } from "../../jobs/tasks.js";
import { createSmtpMailer, type SmtpMailer } from "../../mail/mailer.js";
import { DAILY_SUMMARY_SUBJECT } from "../../mail/templates/index.js";
import { runDailySummary } from "./daily-summary.js";

let t: TestApp;
let clock = new Date("2026-03-10T12:30:00Z");
let sink: SmtpSink;
let mailer: SmtpMailer;

beforeAll(async () => {
  t = await createTestApp({ now: () => clock });
  sink = await startSmtpSink();
  mailer = createSmtpMailer({ smtpUrl: sink.url, from: "Costbridge <no-reply@costbridge.test>" });
});
afterAll(async () => {
  await mailer.close();
  await sink.close();
  await t.close();
});

async function summaryRows(companyId: string) {
  return t.ctx.db
    .selectFrom("email_outbox")
    .select(["id", "to_email", "dedupe_key", "template", "status"])
    .where("company_id", "=", companyId)
    .where("template", "=", "daily-summary")
    .orderBy("to_email")
    .execute();
}

async function deliverAll(companyId: string) {
  const task = taskFor(t.ctx, "send_email", { mailer })!;
  for (const row of await summaryRows(companyId)) {
    await task.handler({ companyId, emailId: row.id }, jobHelpers());
  }
}

/** A company with approvers of every kind and, unless told otherwise, submissions waiting. */
async function companyWithPeople(opts: { timeZone: string; name?: string }) {
  const companyId = await makeCompany(t.ctx, { timeZone: opts.timeZone, name: opts.name });
  const approver = await makeUser(
    t.ctx,
    companyId,
    { erpIntegrations: "standard", canPushToAccounting: true },
    { name: "Aaron Patel" },
  );
  const admin = await makeUser(t.ctx, companyId, { erpIntegrations: "admin", canPushToAccounting: true });
  const unsubscribed = await makeUser(t.ctx, companyId, {
    erpIntegrations: "standard",
    canPushToAccounting: true,
    subscribeErpDigest: false,
  });
  const notApprover = await makeUser(t.ctx, companyId, {
    erpIntegrations: "admin",
    canPushToAccounting: false,
  });
  const readOnlyWithFlag = await makeUser(t.ctx, companyId, {
    erpIntegrations: "read_only",
    canPushToAccounting: true,
  });
  const pm = await makeUser(t.ctx, companyId, { budget: "admin" }, { name: "Paula Martinez" });
  return { companyId, approver, admin, unsubscribed, notApprover, readOnlyWithFlag, pm };
}

describe("runDailySummary", () => {
  it("queues exactly one summary per subscribed approver across three concurrent runs", async () => {
    clock = new Date("2026-03-10T12:30:00Z"); // 08:30 in New York
    const c = await companyWithPeople({ timeZone: "America/New_York", name: "Acme Builders" });
    await insertSubmission(t.ctx, c.companyId, {
      submittedBy: c.pm.id,
      projectNumber: "1042",
      projectName: "Riverside Clinic",
      lineCount: 7,
      revisedMinor: 12_500_000n,
      deltaMinor: 250_000n,
      submittedAt: new Date("2026-03-09T19:04:00Z"),
    });
    await insertSubmission(t.ctx, c.companyId, {
      submittedBy: c.pm.id,
      projectNumber: "2001",
      projectName: "Harbor Lofts",
    });
    await insertSubmission(t.ctx, c.companyId, {
      submittedBy: c.pm.id,
      projectNumber: "3003",
      projectName: "Old Exported Job",
      status: "exported",
    });

    const runs = await Promise.all(
      [1, 2, 3].map(() => runDailySummary(t.ctx, { now: clock, companyId: c.companyId })),
    );
    expect(runs.reduce((n, r) => n + r.sent, 0)).toBe(2);

    const rows = await summaryRows(c.companyId);
    expect(rows.map((r) => r.to_email).sort()).toEqual([c.admin.email, c.approver.email].sort());
    expect(rows.map((r) => r.dedupe_key).sort()).toEqual(
      [`daily-summary:${c.admin.id}:2026-03-10`, `daily-summary:${c.approver.id}:2026-03-10`].sort(),
    );
    const jobs = (await queuedJobs(t.ctx, "send_email")).filter((j) => j.payload.companyId === c.companyId);
    expect(jobs.map((j) => j.payload.emailId).sort()).toEqual(rows.map((r) => r.id).sort());

    // A later run the same day adds nothing.
    clock = new Date("2026-03-10T20:00:00Z");
    expect(await runDailySummary(t.ctx, { now: clock, companyId: c.companyId })).toEqual({ sent: 0 });

    await deliverAll(c.companyId);
    expect(sink.messages.filter((m) => m.envelopeTo.includes(c.unsubscribed.email))).toHaveLength(0);
    expect(sink.messages.filter((m) => m.envelopeTo.includes(c.notApprover.email))).toHaveLength(0);
    expect(sink.messages.filter((m) => m.envelopeTo.includes(c.readOnlyWithFlag.email))).toHaveLength(0);
    const mine = sink.messages.filter((m) => m.envelopeTo.includes(c.approver.email));
    expect(mine).toHaveLength(1);
    const mail = mine[0]!.parsed;
    expect(mail.subject).toBe(DAILY_SUMMARY_SUBJECT);
    expect(mail.text).toContain("2026-03-10");
    expect(mail.text).toContain("Hi Aaron Patel");
    expect(mail.text).toContain("1042 Riverside Clinic");
    expect(mail.text).toContain("2001 Harbor Lofts");
    expect(mail.text).not.toContain("Old Exported Job");
    expect(mail.text).toContain("Paula Martinez");
    expect(mail.text).toContain("$125,000.00");
    expect(mail.html).toContain("Riverside Clinic");
  });

  it("queues nothing when no submission is waiting", async () => {
    const c = await companyWithPeople({ timeZone: "America/New_York" });
    await insertSubmission(t.ctx, c.companyId, { submittedBy: c.pm.id, status: "rejected" });
    expect(await runDailySummary(t.ctx, { now: clock, companyId: c.companyId, force: true })).toEqual({
      sent: 0,
    });
    expect(await summaryRows(c.companyId)).toHaveLength(0);
  });

  it("sends each company its summary at its own hour, for its own local date", async () => {
    const ny = await companyWithPeople({ timeZone: "America/New_York" });
    const la = await companyWithPeople({ timeZone: "America/Los_Angeles" });
    const tokyo = await companyWithPeople({ timeZone: "Asia/Tokyo" });
    for (const c of [ny, la, tokyo]) await insertSubmission(t.ctx, c.companyId, { submittedBy: c.pm.id });
    const tick = taskFor(t.ctx, "daily_summary_tick", { mailer })!;

    // 06:55 in New York, 03:55 in Los Angeles, 20:55 in Tokyo: only Tokyo is past 07:00.
    clock = new Date("2026-03-10T10:55:00Z");
    await tick.handler({ _cron: { ts: clock.toISOString() } }, jobHelpers());
    expect(await summaryRows(ny.companyId)).toHaveLength(0);
    expect(await summaryRows(la.companyId)).toHaveLength(0);
    expect((await summaryRows(tokyo.companyId)).map((r) => r.dedupe_key)).toContain(
      `daily-summary:${tokyo.approver.id}:2026-03-10`,
    );

    // 07:05 in New York, 04:05 in Los Angeles.
    clock = new Date("2026-03-10T11:05:00Z");
    await tick.handler({}, jobHelpers());
    expect(await summaryRows(ny.companyId)).toHaveLength(2);
    expect(await summaryRows(la.companyId)).toHaveLength(0);

    // 07:00 in Los Angeles; 23:00 in Tokyo, whose summary for the day already went.
    clock = new Date("2026-03-10T14:00:00Z");
    await tick.handler({}, jobHelpers());
    const laRows = await summaryRows(la.companyId);
    expect(laRows.map((r) => r.dedupe_key).sort()).toEqual(
      [`daily-summary:${la.admin.id}:2026-03-10`, `daily-summary:${la.approver.id}:2026-03-10`].sort(),
    );
    expect(await summaryRows(ny.companyId)).toHaveLength(2);
    expect(await summaryRows(tokyo.companyId)).toHaveLength(2);

    // 07:30 the next morning in Tokyo: a new local date, so a new summary.
    clock = new Date("2026-03-10T22:30:00Z");
    await tick.handler({}, jobHelpers());
    const tokyoKeys = (await summaryRows(tokyo.companyId)).map((r) => r.dedupe_key);
    expect(tokyoKeys).toContain(`daily-summary:${tokyo.approver.id}:2026-03-11`);
    expect(tokyoKeys).toHaveLength(4);
  });

  it("runs for an explicit date whatever the hour, once", async () => {
    clock = new Date("2026-03-10T08:00:00Z"); // 04:00 in New York
    const c = await companyWithPeople({ timeZone: "America/New_York" });
    await insertSubmission(t.ctx, c.companyId, { submittedBy: c.pm.id });
    expect(await runDailySummary(t.ctx, { now: clock, companyId: c.companyId })).toEqual({ sent: 0 });
    expect(await runDailySummary(t.ctx, { now: clock, companyId: c.companyId, date: "2026-03-01" })).toEqual({
      sent: 2,
    });
    expect(await runDailySummary(t.ctx, { now: clock, companyId: c.companyId, date: "2026-03-01" })).toEqual({
      sent: 0,
    });
    expect((await summaryRows(c.companyId)).every((r) => r.dedupe_key.endsWith(":2026-03-01"))).toBe(true);
  });

  it("leaves out inactive directory entries and deactivated users", async () => {
    const c = await companyWithPeople({ timeZone: "America/New_York" });
    await insertSubmission(t.ctx, c.companyId, { submittedBy: c.pm.id });
    await t.ctx.db
      .updateTable("directory_entries")
      .set({ active: false })
      .where("company_id", "=", c.companyId)
      .where("user_id", "=", c.admin.id)
      .execute();
    await t.ctx.db.updateTable("users").set({ active: false }).where("id", "=", c.approver.id).execute();
    expect(await runDailySummary(t.ctx, { now: clock, companyId: c.companyId, force: true })).toEqual({
      sent: 0,
    });
  });

  it("queues for a thousand approvers in batches, one email and one job each", async () => {
    const companyId = await makeCompany(t.ctx);
    const pm = await makeUser(t.ctx, companyId, { budget: "admin" });
    await insertSubmission(t.ctx, companyId, { submittedBy: pm.id });
    const approvers = await insertApprovers(t.ctx, companyId, 1001);
    const runs = await Promise.all([
      runDailySummary(t.ctx, { now: clock, companyId, force: true }),
      runDailySummary(t.ctx, { now: clock, companyId, force: true }),
    ]);
    expect(runs[0]!.sent + runs[1]!.sent).toBe(1001);
    const rows = await summaryRows(companyId);
    expect(new Set(rows.map((r) => r.to_email))).toEqual(new Set(approvers.map((a) => a.email)));
    const jobs = (await queuedJobs(t.ctx, "send_email")).filter((j) => j.payload.companyId === companyId);
    expect(jobs).toHaveLength(1001);
  });

  it("reports an unknown company and an impossible date", async () => {
    await expect(runDailySummary(t.ctx, { now: clock, companyId: "co_nope" })).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(runDailySummary(t.ctx, { now: clock, date: "2026-02-30" })).rejects.toMatchObject({
      code: "invalid_input",
      extra: { field: "date" },
    });
  });
});

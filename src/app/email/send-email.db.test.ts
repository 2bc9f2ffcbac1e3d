import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/support/app.js";
import { jobHelpers, queuedJobs, type SmtpSink, startSmtpSink } from "../../../test/support/email.js";
import { makeCompany, makeUser } from "../../../test/support/factories.js";
import { taskFor } from "../../jobs/tasks.js";
import { createSmtpMailer, type SmtpMailer } from "../../mail/mailer.js";
import { queueEmail } from "./outbox.js";

let t: TestApp;
let sink: SmtpSink;
let mailer: SmtpMailer;
let companyId: string;
let send: (payload: { companyId: string; emailId: string }, attempts?: number) => Promise<void>;

beforeAll(async () => {
  t = await createTestApp({ now: () => new Date("2026-03-10T12:00:00Z") });
  sink = await startSmtpSink();
  mailer = createSmtpMailer({ smtpUrl: sink.url, from: "Costbridge <no-reply@costbridge.test>" });
  const task = taskFor(t.ctx, "send_email", { mailer })!;
  send = (payload, attempts = 1) => task.handler(payload, jobHelpers(attempts, 12));
  companyId = await makeCompany(t.ctx, { name: "Acme Builders", timeZone: "America/Chicago" });
});
afterAll(async () => {
  await mailer.close();
  await sink.close();
  await t.close();
});
beforeEach(() => {
  sink.messages.length = 0;
  sink.judge = () => "accept";
});

async function queueRejection(to: string, key: string) {
  // Rejection notices go to active members of the company only.
  await makeUser(t.ctx, companyId, {}, { email: to });
  await queueEmail(t.ctx.db, {
    companyId,
    dedupeKey: key,
    to,
    message: {
      template: "rejection-notice",
      data: {
        publicUrl: "http://costbridge.test",
        company: { id: companyId, name: "Acme Builders", timeZone: "America/Chicago" },
        project: { id: "prj_1", number: "1042", name: "Riverside Clinic" },
        reason: "Line 03-100 looks doubled",
        rejectedBy: { name: "Aaron Patel" },
        rejectedAt: new Date("2026-03-05T20:30:00Z"),
      },
    },
  });
  const row = await t.ctx.db
    .selectFrom("email_outbox")
    .selectAll()
    .where("company_id", "=", companyId)
    .where("dedupe_key", "=", key)
    .executeTakeFirstOrThrow();
  return row.id;
}

async function outboxRow(emailId: string) {
  return t.ctx.db
    .selectFrom("email_outbox")
    .selectAll()
    .where("company_id", "=", companyId)
    .where("id", "=", emailId)
    .executeTakeFirstOrThrow();
}

describe("send_email", () => {
  it("delivers the rendered email once, even when the job runs twice", async () => {
    const emailId = await queueRejection("pm@example.test", "reject:1");
    await send({ companyId, emailId });
    await send({ companyId, emailId });
    expect(sink.messages).toHaveLength(1);
    const [message] = sink.messages;
    expect(message!.envelopeTo).toEqual(["pm@example.test"]);
    expect(message!.parsed.from?.text).toContain("no-reply@costbridge.test");
    expect(message!.parsed.subject).toContain("1042");
    expect(message!.parsed.text).toContain("Line 03-100 looks doubled");
    // The instant survives the trip through the outbox as a Date and is shown in the company's zone (CST).
    expect(message!.parsed.text).toMatch(/2:30\s?PM/);
    expect(message!.parsed.html).toContain("Riverside Clinic");
    const row = await outboxRow(emailId);
    expect(row.status).toBe("sent");
    expect(row.tries).toBe(1);
    expect(row.sent_at?.toISOString()).toBe("2026-03-10T12:00:00.000Z");
  });

  it("delivers once when two runs of the job overlap", async () => {
    const emailId = await queueRejection("overlap@example.test", "reject:overlap");
    const results = await Promise.allSettled([send({ companyId, emailId }), send({ companyId, emailId })]);
    // The loser either saw it sent or was told to come back later; a later run then finds it sent.
    for (const r of results) if (r.status === "rejected") await send({ companyId, emailId });
    expect(sink.messages.filter((m) => m.envelopeTo.includes("overlap@example.test"))).toHaveLength(1);
    expect((await outboxRow(emailId)).status).toBe("sent");
  });

  it("marks a permanently refused email failed without throwing, and the others still go", async () => {
    sink.judge = (address) => (address === "gone@example.test" ? "permanent" : "accept");
    const bad = await queueRejection("gone@example.test", "reject:gone");
    const good = await queueRejection("here@example.test", "reject:here");
    await expect(send({ companyId, emailId: bad })).resolves.toBeUndefined();
    await send({ companyId, emailId: good });
    const failed = await outboxRow(bad);
    expect(failed.status).toBe("failed");
    expect(failed.last_error).toMatch(/550|no such mailbox/);
    expect(failed.sent_at).toBeNull();
    expect((await outboxRow(good)).status).toBe("sent");
    expect(sink.messages.map((m) => m.envelopeTo)).toEqual([["here@example.test"]]);
    // A later run of the failed one's job does not try again.
    sink.judge = () => "accept";
    await send({ companyId, emailId: bad });
    expect(sink.messages).toHaveLength(1);
  });

  it("records a transient refusal and throws so the queue retries; the retry delivers", async () => {
    sink.judge = () => "transient";
    const emailId = await queueRejection("busy@example.test", "reject:busy");
    await expect(send({ companyId, emailId }, 1)).rejects.toThrow(/451|try again/);
    let row = await outboxRow(emailId);
    expect(row.status).toBe("queued");
    expect(row.tries).toBe(1);
    expect(row.last_error).toMatch(/451|try again/);
    expect(sink.messages).toHaveLength(0);

    sink.judge = () => "accept";
    await send({ companyId, emailId }, 2);
    row = await outboxRow(emailId);
    expect(row.status).toBe("sent");
    expect(row.tries).toBe(2);
    expect(row.last_error).toBeNull();
    expect(sink.messages).toHaveLength(1);
  });

  it("marks the email failed when the last allowed attempt fails transiently", async () => {
    sink.judge = () => "transient";
    const emailId = await queueRejection("late@example.test", "reject:late");
    await expect(send({ companyId, emailId }, 12)).rejects.toThrow();
    const row = await outboxRow(emailId);
    expect(row.status).toBe("failed");
    expect(row.last_error).toMatch(/451|try again/);
  });

  it("fails an email whose payload cannot be rendered, without sending anything", async () => {
    const emailId = await queueRejection("odd@example.test", "reject:odd");
    await t.ctx.db
      .updateTable("email_outbox")
      .set({ payload: JSON.stringify({ template: "no-such-template", data: {} }) })
      .where("id", "=", emailId)
      .execute();
    await send({ companyId, emailId });
    const row = await outboxRow(emailId);
    expect(row.status).toBe("failed");
    expect(row.last_error).toMatch(/render/);
    expect(sink.messages).toHaveLength(0);
  });

  it("returns quietly for an email that no longer exists", async () => {
    await expect(send({ companyId, emailId: "eml_missing" })).resolves.toBeUndefined();
    expect(sink.messages).toHaveLength(0);
  });

  it("queues exactly one send_email job per queued email", async () => {
    const emailId = await queueRejection("jobs@example.test", "reject:jobs");
    const jobs = (await queuedJobs(t.ctx, "send_email")).filter((j) => j.payload.emailId === emailId);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.key).toBe(`email:${emailId}`);
    expect(jobs[0]!.payload.companyId).toBe(companyId);
  });
});

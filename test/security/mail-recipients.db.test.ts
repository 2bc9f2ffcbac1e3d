/**
 * Mail about a company's work goes only to its active members at the moment it is sent: someone deactivated before
 * the rejection is not emailed at all, someone deactivated between queueing and sending is not emailed either (the
 * email is marked failed with the reason), and the others still get theirs.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { taskFor } from "../../src/jobs/tasks.js";
import { createSmtpMailer, type SmtpMailer } from "../../src/mail/mailer.js";
import { jobHelpers, type SmtpSink, startSmtpSink } from "../support/email.js";
import {
  budgetUrl,
  buildLockedBudget,
  erpUrl,
  makeProject,
  sendBudget,
  type TwoCompanies,
  twoCompanies,
} from "../workflow/fixture.js";

let t: TwoCompanies["t"];
let co: TwoCompanies["co"];
let api: TwoCompanies["api"];
let sink: SmtpSink;
let mailer: SmtpMailer;
let send: (payload: { companyId: string; emailId: string }) => Promise<void>;

beforeAll(async () => {
  ({ t, co, api } = await twoCompanies());
  sink = await startSmtpSink();
  mailer = createSmtpMailer({ smtpUrl: sink.url, from: "Costbridge <no-reply@costbridge.test>" });
  const task = taskFor(t.ctx, "send_email", { mailer })!;
  send = (payload) => task.handler(payload, jobHelpers(1, 12));
});
afterAll(async () => {
  await mailer?.close();
  await sink?.close();
  await t?.close();
});
beforeEach(() => {
  sink.messages.length = 0;
});

async function setActive(userId: string, active: boolean) {
  const res = await api.patch(`/api/v1/companies/${co.companyId}/directory/${userId}`, co.admin, { active });
  expect(res.status).toBe(200);
}

/** A budget the editor started (so the editor is its creator) and the PM sent. */
async function sentByPmStartedByEditor() {
  const p = await makeProject(t.ctx, co.companyId);
  const first = await api.post(`${budgetUrl(co.companyId, p.id)}/lines`, co.editor, {
    costCode: "01-100",
    category: "L",
    originalBudget: "2500.00",
  });
  expect(first.status).toBe(201);
  await buildLockedBudget(t, co.pm, co.companyId, p.id, [["03-300", "M", "4000.00"]]);
  return sendBudget(t, co.pm, co.companyId, p.id);
}

async function outbox(like: string) {
  return t.ctx.db
    .selectFrom("email_outbox")
    .select(["id", "to_email", "template", "status", "last_error"])
    .where("company_id", "=", co.companyId)
    .where("dedupe_key", "like", like)
    .execute();
}

async function deliverAll(like: string) {
  for (const row of await outbox(like)) await send({ companyId: co.companyId, emailId: row.id });
  return outbox(like);
}

describe("mail to members only", () => {
  it("does not queue a rejection notice for someone deactivated in the company", async () => {
    const id = await sentByPmStartedByEditor();
    await setActive(co.editor.id, false);
    try {
      const r = await api.post(`${erpUrl(co.companyId)}/${id}/reject`, co.approver, {
        reason: "Over the bid.",
      });
      expect(r.status).toBe(200);
      const rows = await deliverAll(`rejection:${id}:%`);
      expect(rows.map((m) => m.to_email)).toEqual([co.pm.email]);
      expect(sink.messages.flatMap((m) => m.envelopeTo)).toEqual([co.pm.email.toLowerCase()]);
    } finally {
      await setActive(co.editor.id, true);
    }
  });

  it("does not send a queued rejection notice to someone deactivated before it went out", async () => {
    const id = await sentByPmStartedByEditor();
    const r = await api.post(`${erpUrl(co.companyId)}/${id}/reject`, co.approver, {
      reason: "Over the bid.",
    });
    expect(r.status).toBe(200);
    expect(await outbox(`rejection:${id}:%`)).toHaveLength(2);
    await setActive(co.pm.id, false);
    try {
      const rows = await deliverAll(`rejection:${id}:%`);
      expect(sink.messages.flatMap((m) => m.envelopeTo)).toEqual([co.editor.email.toLowerCase()]);
      const withheld = rows.find((m) => m.to_email === co.pm.email);
      expect(withheld).toMatchObject({
        status: "failed",
        last_error: expect.stringMatching(/no longer an active member/),
      });
      expect(rows.find((m) => m.to_email === co.editor.email)?.status).toBe("sent");
    } finally {
      await setActive(co.pm.id, true);
    }
  });

  it("does not send the awaiting-acceptance notice to an approver deactivated after the budget was sent", async () => {
    await t.ctx.db
      .updateTable("companies")
      .set({ notify_approvers_on_send: true })
      .where("id", "=", co.companyId)
      .execute();
    const p = await makeProject(t.ctx, co.companyId);
    await buildLockedBudget(t, co.pm, co.companyId, p.id, [["03-300", "L", "1000.00"]]);
    const id = await sendBudget(t, co.pm, co.companyId, p.id);
    const queued = await outbox(`awaiting-acceptance:${id}:%`);
    expect(queued.map((m) => m.to_email)).toContain(co.approver.email);
    await setActive(co.approver.id, false);
    try {
      const rows = await deliverAll(`awaiting-acceptance:${id}:%`);
      const recipients = sink.messages.flatMap((m) => m.envelopeTo);
      expect(recipients).not.toContain(co.approver.email.toLowerCase());
      expect(rows.find((m) => m.to_email === co.approver.email)?.status).toBe("failed");
      // Everyone else who was told still is.
      expect(recipients.length).toBe(queued.length - 1);
    } finally {
      await setActive(co.approver.id, true);
    }
  });
});

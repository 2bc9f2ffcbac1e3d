/**
 * Commitments through the shared export pipeline (docs/product.md §commitment-submissions): sent commitments wait
 * on the Commitments tab of ERP Integrations, are accepted, rejected, retried and decided in bulk by the same rules
 * as budgets, and are exported once each as a purchase order — here to Fake Ledger, the test-only ERP, by the real
 * job worker, with the emails delivered to a real SMTP server.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDailySummary } from "../../src/app/email/daily-summary.js";
import { runExport } from "../../src/app/export/run-export.js";
import { allTasks } from "../../src/jobs/tasks.js";
import { type RunningWorker, startWorker } from "../../src/jobs/worker.js";
import { createSmtpMailer, type SmtpMailer } from "../../src/mail/mailer.js";
import { createTestApp, type TestApp } from "../support/app.js";
import { approveChangeOrder, insertCommitment, sendCommitment } from "../support/commitments.js";
import { type SmtpSink, startSmtpSink } from "../support/email.js";
import { connectFakeErp, FAKE_ERP_KIND, type FakeErp, registerFakeErp } from "../support/fake-erp/index.js";
import { eventually } from "../support/worker.js";
import {
  buildLockedBudget,
  erpUrl,
  expectError,
  http,
  makeProject,
  makeWorkflowCompany,
  type Obj,
  sendBudget,
} from "./fixture.js";

let fake: FakeErp;
let t: TestApp;
let sink: SmtpSink;
let mailer: SmtpMailer;
let worker: RunningWorker;
let workerPool: pg.Pool;
let co: Awaited<ReturnType<typeof makeWorkflowCompany>>;
let api: ReturnType<typeof http>;

const silent = { info() {}, warn() {}, error() {} };

beforeAll(async () => {
  fake = registerFakeErp();
  t = await createTestApp();
  co = await makeWorkflowCompany(t.ctx, "Commitment Builders");
  await connectFakeErp(t.ctx, co.companyId);
  api = http(t);
  sink = await startSmtpSink();
  mailer = createSmtpMailer({ smtpUrl: sink.url, from: "Costbridge <no-reply@costbridge.test>" });
  workerPool = new pg.Pool({ connectionString: t.database.url, max: 4 });
  workerPool.on("error", () => {});
  worker = await startWorker({
    pool: workerPool,
    tasks: allTasks(t.ctx, { mailer }),
    concurrency: 2,
    log: silent,
  });
});
afterAll(async () => {
  await worker?.stop();
  await workerPool?.end();
  await mailer?.close();
  await sink?.close();
  await t?.close();
  fake?.unregister();
});

const tab = () => `/api/v1/companies/${co.companyId}/erp/commitment-submissions`;

async function waitForStatus(submissionId: string, status: string): Promise<Obj> {
  return eventually(
    async () => {
      const r = await api.get(`${tab()}/${submissionId}`, co.approver);
      return r.body.status === status ? r.body : undefined;
    },
    { what: `commitment submission ${submissionId} to be ${status}` },
  );
}

/** The messages delivered to an address whose subject contains the words. */
function delivered(to: string, subject: string) {
  return sink.messages.filter((m) => m.envelopeTo.includes(to) && (m.parsed.subject ?? "").includes(subject));
}

async function waitForMail(to: string, subject: string) {
  return eventually(async () => delivered(to, subject)[0], { what: `"${subject}" to ${to}` });
}

/** A project with an approved subcontract on it, created by the editor. */
async function approvedSubcontract(
  lines: [string, string, string, string?][] = [
    ["09-250", "S", "42000.00", "Hang and finish, levels 1-3"],
    ["09-250", "M", "8000.50"],
  ],
  over: { number?: string; title?: string; vendorName?: string } = {},
) {
  const p = await makeProject(t.ctx, co.companyId, { name: "Riverside Clinic" });
  const c = await insertCommitment(t.ctx, co.companyId, {
    projectId: p.id,
    createdBy: co.editor.id,
    lines,
    ...over,
  });
  return { p, c };
}

describe("send → accept → exported (docs/product.md §commitment-submissions)", () => {
  it("writes exactly one purchase order for the vendor, records it and links the vendor and the job", async () => {
    const { p, c } = await approvedSubcontract(undefined, { number: "SC-101", vendorName: "Acme Drywall" });
    const id = await sendCommitment(t.ctx, co.companyId, c.id, co.pm.id);

    const list = await api.get(`${tab()}?status=ready_to_export`, co.approver);
    expect(list.status).toBe(200);
    expect(list.body.counts.ready_to_export).toBeGreaterThanOrEqual(1);
    expect(list.body.items.find((i: Obj) => i.id === id)).toMatchObject({
      status: "ready_to_export",
      project: { id: p.id, number: p.number, name: "Riverside Clinic" },
      commitment: { id: c.id, number: "SC-101", title: "Drywall", kind: "subcontract" },
      vendor: { id: c.vendorId, name: "Acme Drywall" },
      submittedBy: { id: co.pm.id },
      lineCount: 2,
      totals: { revised: "50000.50", delta: "50000.50" },
    });

    const detail = await api.get(`${tab()}/${id}`, co.viewer);
    expect(detail.status).toBe(200);
    expect(detail.body.lines).toEqual([
      {
        costCode: "09-250",
        costCodeDescription: "Gypsum Board",
        category: "M",
        categoryName: "Material",
        description: "",
        original: "8000.50",
        approvedChanges: "0.00",
        revised: "8000.50",
        previouslyExported: "0.00",
        delta: "8000.50",
      },
      {
        costCode: "09-250",
        costCodeDescription: "Gypsum Board",
        category: "S",
        categoryName: "Subcontract",
        description: "Hang and finish, levels 1-3",
        original: "42000.00",
        approvedChanges: "0.00",
        revised: "42000.00",
        previouslyExported: "0.00",
        delta: "42000.00",
      },
    ]);
    expect(detail.body.preview).toMatchObject({
      erp: "Fake Ledger",
      vendor: { name: "Acme Drywall", ref: null, action: "find_or_create" },
      purchaseOrder: { action: "create", docNumber: "SC-101", memo: `Costbridge commitment ${c.id}` },
      lines: [
        { description: "Gypsum Board (Material)", amount: "8000.50" },
        { description: "Hang and finish, levels 1-3", amount: "42000.00" },
      ],
    });
    expect(detail.body.canDecide).toBe(false);

    const accepted = await api.post(`${tab()}/${id}/accept`, co.approver);
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({ status: "exporting" });
    const done = await waitForStatus(id, "exported");
    expect(done.export).toMatchObject({
      attempts: [{ attempt: 1, outcome: "done" }],
      erpRef: { purchaseOrderId: expect.stringMatching(/^PO-/), docNumber: "SC-101" },
    });

    const written = fake.purchaseOrders.filter((po) => po.commitmentId === c.id);
    expect(written).toHaveLength(1);
    expect(written[0]!.lines.map((l) => [l.lineKey, l.amountMinor])).toEqual([
      ["09-250|M", 800_050n],
      ["09-250|S", 4_200_000n],
    ]);
    const requests = fake.purchaseOrderRequests.filter((r) => r.commitment.id === c.id);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      commitment: { number: "SC-101", title: "Drywall", kind: "subcontract" },
      vendor: { name: "Acme Drywall", existingVendorRef: null },
      project: { name: "Riverside Clinic", existingJobRef: null },
      previous: null,
      createMissingVendors: true,
    });

    const po = await t.ctx.db
      .selectFrom("erp_purchase_orders")
      .selectAll()
      .where("company_id", "=", co.companyId)
      .where("commitment_id", "=", c.id)
      .execute();
    expect(po).toHaveLength(1);
    expect(po[0]).toMatchObject({
      erp_type: "fake_ledger",
      purchase_order_id: written[0]!.id,
      vendor_ref: written[0]!.vendorRef,
      doc_number: "SC-101",
      submission_id: id,
    });
    const vendor = await t.ctx.db
      .selectFrom("vendors")
      .select(["erp_vendor_ref", "erp_vendor_name"])
      .where("company_id", "=", co.companyId)
      .where("id", "=", c.vendorId)
      .executeTakeFirstOrThrow();
    expect(vendor).toEqual({ erp_vendor_ref: written[0]!.vendorRef, erp_vendor_name: "Acme Drywall" });
    const project = await t.ctx.db
      .selectFrom("projects")
      .select("erp_job_ref")
      .where("company_id", "=", co.companyId)
      .where("id", "=", p.id)
      .executeTakeFirstOrThrow();
    expect(project.erp_job_ref).toBe(`job-${p.number}`);
    // A late duplicate run of the same job finds the submission exported and writes nothing.
    await runExport(
      t.ctx,
      { [FAKE_ERP_KIND]: fake.definition.connector(t.ctx) },
      {
        companyId: co.companyId,
        submissionId: id,
        attempt: 1,
      },
    );
    expect(fake.purchaseOrderRequests.filter((r) => r.commitment.id === c.id)).toHaveLength(1);
    // No estimate was written for the project: a commitment is not its budget.
    expect(fake.documents.filter((d) => d.submissionId === id)).toEqual([]);

    // The Budgets tab neither shows nor acts on it.
    expectError(await api.get(`${erpUrl(co.companyId)}/${id}`, co.approver), 404, "not_found");
    expectError(await api.post(`${erpUrl(co.companyId)}/${id}/retry`, co.approver), 404, "not_found");
    const budgets = await api.get(`${erpUrl(co.companyId)}?status=exported`, co.approver);
    expect(budgets.body.items.map((i: Obj) => i.id)).not.toContain(id);
  });

  it("re-sent after an approved change order, changes the same purchase order in place", async () => {
    const { c } = await approvedSubcontract([["03-300", "S", "10000.00"]], { number: "SC-102" });
    const first = await sendCommitment(t.ctx, co.companyId, c.id, co.pm.id);
    await api.post(`${tab()}/${first}/accept`, co.approver);
    await waitForStatus(first, "exported");
    const [po] = fake.purchaseOrders.filter((x) => x.commitmentId === c.id);
    const firstLineId = po!.lines[0]!.lineId;

    await approveChangeOrder(t.ctx, co.companyId, c.id, co.pm.id, [
      ["03-300", "S", "-1500.00"],
      ["03-300", "E", "2500.00", "Pump truck"],
    ]);
    const second = await sendCommitment(t.ctx, co.companyId, c.id, co.pm.id);
    const detail = await api.get(`${tab()}/${second}`, co.approver);
    expect(detail.body.totals).toEqual({
      original: "10000.00",
      approvedChanges: "1000.00",
      revised: "11000.00",
      previouslyExported: "10000.00",
      delta: "1000.00",
    });
    expect(detail.body.lines.map((l: Obj) => [l.category, l.previouslyExported, l.revised, l.delta])).toEqual(
      [
        ["E", "0.00", "2500.00", "2500.00"],
        ["S", "10000.00", "8500.00", "-1500.00"],
      ],
    );
    expect(detail.body.preview.purchaseOrder).toMatchObject({ action: "update", purchaseOrderId: po!.id });

    await api.post(`${tab()}/${second}/accept`, co.approver);
    await waitForStatus(second, "exported");
    const requests = fake.purchaseOrderRequests.filter((r) => r.commitment.id === c.id);
    expect(requests).toHaveLength(2);
    expect(requests[1]!.previous).toMatchObject({
      purchaseOrderId: po!.id,
      version: "1",
      docNumber: "SC-102",
      lines: [{ lineKey: "03-300|S", lineId: firstLineId, amount: "10000.00" }],
    });
    // The vendor found by the first export is the link the second one is given.
    expect(requests[1]!.vendor.existingVendorRef).toBe(po!.vendorRef);
    const held = fake.purchaseOrders.filter((x) => x.commitmentId === c.id);
    expect(held).toHaveLength(1);
    expect(held[0]!.lines.map((l) => [l.lineKey, l.amountMinor, l.description])).toEqual([
      ["03-300|E", 250_000n, "Pump truck"],
      ["03-300|S", 850_000n, ""],
    ]);
    // The line written first keeps its id in the ERP; the change order's new line gets its own.
    expect(held[0]!.lines.find((l) => l.lineKey === "03-300|S")!.lineId).toBe(firstLineId);
    const row = await t.ctx.db
      .selectFrom("erp_purchase_orders")
      .select(["version", "submission_id"])
      .where("company_id", "=", co.companyId)
      .where("commitment_id", "=", c.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ version: "2", submission_id: second });
  });
});

describe("reject, failure and retry (docs/product.md §commitment-submissions, §email-rejection)", () => {
  it("a rejection emails the commitment's creator and its sender, naming the commitment, and hands it back", async () => {
    const { p, c } = await approvedSubcontract([["26-100", "S", "3000.00"]], {
      number: "SC-201",
      title: "Lighting",
      vendorName: "Bright Electric",
    });
    const id = await sendCommitment(t.ctx, co.companyId, c.id, co.pm.id);
    const r = await api.post(`${tab()}/${id}/reject`, co.approver, { reason: "  Wrong vendor on line 1.  " });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: "rejected" });

    for (const person of [co.editor, co.pm]) {
      const mail = await waitForMail(person.email, "Commitment rejected");
      expect(mail.parsed.subject).toBe("Commitment rejected: Subcontract SC-201 Lighting — Bright Electric");
      expect(mail.parsed.text).toContain("Wrong vendor on line 1.");
      expect(mail.parsed.text).toContain(
        `http://costbridge.test/companies/${co.companyId}/projects/${p.id}/commitments/${c.id}`,
      );
    }
    expect(delivered(co.approver.email, "Commitment rejected")).toEqual([]);

    const list = await api.get(`${tab()}?status=rejected,retrieved`, co.viewer);
    expect(list.body.items.find((i: Obj) => i.id === id)).toMatchObject({
      status: "rejected",
      decision: { action: "reject", reason: "Wrong vendor on line 1.", by: { id: co.approver.id } },
    });
    // Nothing pending holds it any more: it may be sent again.
    const again = await sendCommitment(t.ctx, co.companyId, c.id, co.pm.id);
    expect((await api.get(`${tab()}/${again}`, co.approver)).body.status).toBe("ready_to_export");
  });

  it("a refused export fails with the ERP's remedy, emails sender and accepter, and a retry exports it once", async () => {
    const { c } = await approvedSubcontract([["05-120", "S", "7000.00"]], {
      number: "SC-301",
      title: "Steel",
    });
    fake.refusePurchaseOrder.set("SC-301", {
      code: "closed_period",
      message: "The books are closed for that date.",
      remedy: "Reopen the period in Fake Ledger, then Retry.",
    });
    const id = await sendCommitment(t.ctx, co.companyId, c.id, co.pm.id);
    await api.post(`${tab()}/${id}/accept`, co.approver);
    const failed = await waitForStatus(id, "failed");
    expect(failed.export.lastError).toEqual({
      code: "closed_period",
      message: "The books are closed for that date.",
      remedy: "Reopen the period in Fake Ledger, then Retry.",
    });
    const list = await api.get(`${tab()}?status=failed`, co.approver);
    expect(list.body.items.find((i: Obj) => i.id === id)).toMatchObject({
      failedAt: expect.any(String),
      attempts: 1,
      lastError: { code: "closed_period" },
    });
    for (const person of [co.pm, co.approver]) {
      const mail = await waitForMail(person.email, "Export failed: Subcontract SC-301 Steel");
      expect(mail.parsed.text).toContain("Reopen the period in Fake Ledger");
      expect(mail.parsed.text).toContain(
        `http://costbridge.test/companies/${co.companyId}/erp/commitments?filter=failed`,
      );
    }

    fake.refusePurchaseOrder.delete("SC-301");
    const retried = await api.post(`${tab()}/${id}/retry`, co.approver2);
    expect(retried.status).toBe(202);
    const done = await waitForStatus(id, "exported");
    expect(done.export.attempts.map((a: Obj) => [a.attempt, a.outcome])).toEqual([
      [1, "rejected"],
      [2, "done"],
    ]);
    expect(fake.purchaseOrders.filter((x) => x.commitmentId === c.id)).toHaveLength(1);
  });

  it("an ERP that cannot take purchase orders fails the submission with a clear code and remedy", async () => {
    const connector = fake.definition.connector(t.ctx);
    const exportPurchaseOrder = connector.exportPurchaseOrder;
    const { c } = await approvedSubcontract([["01-100", "L", "900.00"]], { number: "SC-401" });
    const id = await sendCommitment(t.ctx, co.companyId, c.id, co.pm.id);
    connector.exportPurchaseOrder = undefined;
    try {
      await api.post(`${tab()}/${id}/accept`, co.approver);
      const failed = await waitForStatus(id, "failed");
      expect(failed.export.lastError).toMatchObject({
        code: "purchase_orders_not_supported",
        message: "Fake Ledger cannot take purchase orders here, so this commitment cannot be exported to it.",
      });
      expect(failed.export.lastError.remedy).toContain("Reject the submission");
    } finally {
      connector.exportPurchaseOrder = exportPurchaseOrder;
    }
    expect(fake.purchaseOrderRequests.filter((r) => r.commitment.id === c.id)).toEqual([]);
  });
});

describe("decisions by the same rules as budgets (docs/product.md §erp-decisions, §separation-of-duties)", () => {
  it("bulk decisions act on their own tab's submissions and refuse the other kind's ids", async () => {
    const p = await makeProject(t.ctx, co.companyId);
    await buildLockedBudget(t, co.pm, co.companyId, p.id, [["03-300", "L", "1000.00"]]);
    const budgetId = await sendBudget(t, co.pm, co.companyId, p.id);
    const { c } = await approvedSubcontract([["03-300", "M", "500.00"]], { number: "SC-501" });
    const commitmentId = await sendCommitment(t.ctx, co.companyId, c.id, co.pm.id);
    const { c: other } = await approvedSubcontract([["03-300", "E", "250.00"]], { number: "SC-502" });
    const otherId = await sendCommitment(t.ctx, co.companyId, other.id, co.pm.id);

    const r = await api.post(`${tab()}/decisions`, co.approver, {
      decisions: [
        { submissionId: commitmentId, action: "accept" },
        { submissionId: budgetId, action: "accept" },
        { submissionId: otherId, action: "reject", reason: "Not this month" },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body.results).toEqual([
      { submissionId: commitmentId, ok: true, status: "exporting" },
      {
        submissionId: budgetId,
        ok: false,
        error: { code: "not_found", message: "Submission was not found." },
      },
      { submissionId: otherId, ok: true, status: "rejected" },
    ]);
    const b = await api.post(`${erpUrl(co.companyId)}/decisions`, co.approver, {
      decisions: [
        { submissionId: commitmentId, action: "reject", reason: "No" },
        { submissionId: budgetId, action: "accept" },
      ],
    });
    expect(b.body.results.map((x: Obj) => [x.ok, x.status ?? x.error.code])).toEqual([
      [false, "not_found"],
      [true, "exporting"],
    ]);
    await waitForStatus(commitmentId, "exported");
  });

  it("with separation of duties on, the sender may not accept their own commitment; another approver may", async () => {
    await t.ctx.db
      .updateTable("companies")
      .set({ separation_of_duties: true })
      .where("id", "=", co.companyId)
      .execute();
    try {
      const { c } = await approvedSubcontract([["26-100", "M", "120.00"]], { number: "SC-601" });
      const id = await sendCommitment(t.ctx, co.companyId, c.id, co.admin.id);
      expectError(await api.post(`${tab()}/${id}/accept`, co.admin), 403, "separation_of_duties");
      expectError(await api.post(`${tab()}/${id}/accept`, co.pm), 403, "forbidden");
      expect((await api.post(`${tab()}/${id}/accept`, co.approver)).status).toBe(202);
      await waitForStatus(id, "exported");
    } finally {
      await t.ctx.db
        .updateTable("companies")
        .set({ separation_of_duties: false })
        .where("id", "=", co.companyId)
        .execute();
    }
  });
});

describe("emails about waiting commitments (docs/product.md §email-awaiting, §daily-summary)", () => {
  it("tells the approvers at once when the company asks for it, naming the commitment", async () => {
    await t.ctx.db
      .updateTable("companies")
      .set({ notify_approvers_on_send: true })
      .where("id", "=", co.companyId)
      .execute();
    try {
      const { c } = await approvedSubcontract([["09-250", "L", "640.00"]], {
        number: "PO-701",
        title: "Board delivery",
        vendorName: "Gypsum Supply Co",
      });
      await sendCommitment(t.ctx, co.companyId, c.id, co.pm.id);
      const mail = await waitForMail(co.approver2.email, "Commitment awaiting acceptance");
      expect(mail.parsed.subject).toBe(
        "Commitment awaiting acceptance: Subcontract PO-701 Board delivery — Gypsum Supply Co",
      );
      expect(mail.parsed.text).toContain("$640.00");
      expect(mail.parsed.text).toContain(
        `http://costbridge.test/companies/${co.companyId}/erp/commitments?filter=ready_to_export`,
      );
    } finally {
      await t.ctx.db
        .updateTable("companies")
        .set({ notify_approvers_on_send: false })
        .where("id", "=", co.companyId)
        .execute();
    }
  });

  it("the daily summary counts budgets and commitments waiting apart and links to each tab", async () => {
    const waiting = await Promise.all(
      (["budget", "commitment"] as const).map(async (type) => {
        const r = await api.get(
          `/api/v1/companies/${co.companyId}/erp/${type}-submissions?status=ready_to_export`,
          co.approver,
        );
        return r.body.counts.ready_to_export as number;
      }),
    );
    expect(waiting[1]).toBeGreaterThan(0);
    // One approver turned the digest off: that covers commitments as well as budgets.
    await t.ctx.db
      .updateTable("directory_entries")
      .set({ subscribe_erp_digest: false })
      .where("company_id", "=", co.companyId)
      .where("user_id", "=", co.approver2.id)
      .execute();
    const date = "2031-01-02";
    const run = await runDailySummary(t.ctx, { now: new Date(), companyId: co.companyId, date });
    expect(run.sent).toBeGreaterThan(0);
    const mail = await waitForMail(co.approver.email, "ERP Integrations Daily Summary");
    const budgets = waiting[0] === 1 ? "1 budget" : `${waiting[0]} budgets`;
    const commitments = waiting[1] === 1 ? "1 commitment" : `${waiting[1]} commitments`;
    expect(mail.parsed.text).toContain(
      waiting[0] === 0 ? `${commitments} ` : `${budgets} and ${commitments} are ready to export`,
    );
    expect(mail.parsed.text).toContain("Commitments Ready to Export (USD)");
    expect(mail.parsed.text).toContain(
      `http://costbridge.test/companies/${co.companyId}/erp/commitments?filter=ready_to_export`,
    );
    const queued = await t.ctx.db
      .selectFrom("email_outbox")
      .select("to_email")
      .where("company_id", "=", co.companyId)
      .where("dedupe_key", "like", `daily-summary:%:${date}`)
      .execute();
    expect(queued.map((q) => q.to_email)).toContain(co.approver.email);
    expect(queued.map((q) => q.to_email)).not.toContain(co.approver2.email);
  });
});

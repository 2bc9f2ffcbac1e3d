/**
 * A new ERP is its adapter plus its registry entry: "Fake Ledger" (test/support/fake-erp) is registered by this
 * test alone, and a company on it goes through the normal pipeline — the HTTP API, the send rules with its limits,
 * the approver's decision, the real job worker and the export job — with its name in the messages and emails.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readOutboxMessage } from "../../src/app/email/payload.js";
import { allTasks } from "../../src/jobs/tasks.js";
import { type RunningWorker, startWorker } from "../../src/jobs/worker.js";
import { renderEmail } from "../../src/mail/templates/index.js";
import { createTestApp, type TestApp } from "../support/app.js";
import {
  connectFakeErp,
  FAKE_ERP_KIND,
  FAKE_ERP_LABEL,
  type FakeErp,
  registerFakeErp,
} from "../support/fake-erp/index.js";
import { eventually } from "../support/worker.js";
import {
  budgetUrl,
  buildLockedBudget,
  erpUrl,
  http,
  makeProject,
  makeWorkflowCompany,
  sendBudget,
} from "./fixture.js";

let fake: FakeErp;
let t: TestApp;
let worker: RunningWorker;
let workerPool: pg.Pool;
let co: Awaited<ReturnType<typeof makeWorkflowCompany>>;
let api: ReturnType<typeof http>;

const silent = { info() {}, warn() {}, error() {} };

beforeAll(async () => {
  fake = registerFakeErp();
  t = await createTestApp();
  co = await makeWorkflowCompany(t.ctx, "Fake Ledger Builders");
  await connectFakeErp(t.ctx, co.companyId);
  api = http(t);
  workerPool = new pg.Pool({ connectionString: t.database.url, max: 4 });
  workerPool.on("error", () => {});
  // The worker's connectors are the registry's: nothing here hands it Fake Ledger's.
  worker = await startWorker({ pool: workerPool, tasks: allTasks(t.ctx), concurrency: 2, log: silent });
});
afterAll(async () => {
  await worker?.stop();
  await workerPool?.end();
  await t?.close();
  fake?.unregister();
});

async function waitForStatus(submissionId: string, status: string) {
  return eventually(
    async () => {
      const r = await api.get(`${erpUrl(co.companyId)}/${submissionId}`, co.approver);
      return r.body.status === status ? r.body : undefined;
    },
    { what: `submission ${submissionId} to be ${status}` },
  );
}

describe("an ERP added through the registry alone", () => {
  it("shows the company's connection by the ERP's label and connection flow", async () => {
    const r = await api.get(`/api/v1/companies/${co.companyId}/erp/connection`, co.admin);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      type: FAKE_ERP_KIND,
      label: FAKE_ERP_LABEL,
      connectionFlow: "preconfigured",
      status: "connected",
    });
  });

  it("checks a budget against the ERP's own limits, naming the ERP", async () => {
    // Fake Ledger holds 20 characters in a job name; QuickBooks Online would take this one.
    const p = await makeProject(t.ctx, co.companyId, { name: "Harbor View Apartments Tower" });
    await buildLockedBudget(t, co.pm, co.companyId, p.id, [["03-300", "L", "1000.00"]]);
    const budget = await api.get(budgetUrl(co.companyId, p.id), co.pm);
    expect(budget.body.actions.send.allowed).toBe(false);
    expect(budget.body.actions.send.reasons).toContainEqual({
      code: "name_too_long",
      message: "The project name has 28 characters; Fake Ledger allows 20 characters for a job name.",
    });
  });

  it("exports an accepted budget through the normal pipeline: exactly one document in the ERP", async () => {
    const p = await makeProject(t.ctx, co.companyId, { number: "7001", name: "Riverside Clinic" });
    await buildLockedBudget(t, co.pm, co.companyId, p.id, [
      ["03-300", "L", "125000.00"],
      ["26-100", "S", "9999.99"],
    ]);
    const submissionId = await sendBudget(t, co.pm, co.companyId, p.id);
    expect(fake.documents.filter((d) => d.submissionId === submissionId)).toHaveLength(0);

    const accepted = await api.post(`${erpUrl(co.companyId)}/${submissionId}/accept`, co.approver);
    expect(accepted.status).toBe(202);
    await waitForStatus(submissionId, "exported");

    const written = fake.documents.filter((d) => d.submissionId === submissionId);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({
      companyId: co.companyId,
      attempt: 1,
      jobName: "Riverside Clinic",
      lines: [
        { costCode: "03-300", category: "L", amountMinor: 12_500_000n },
        { costCode: "26-100", category: "S", amountMinor: 999_999n },
      ],
    });
    const budget = await api.get(budgetUrl(co.companyId, p.id), co.pm);
    expect(budget.body).toMatchObject({ state: "synced" });
    // What the ERP returned is recorded under its kind, for the next re-send.
    const estimate = await t.ctx.db
      .selectFrom("erp_estimates")
      .select(["erp_type", "estimate_id"])
      .where("company_id", "=", co.companyId)
      .where("project_id", "=", p.id)
      .executeTakeFirstOrThrow();
    expect(estimate).toEqual({ erp_type: FAKE_ERP_KIND, estimate_id: written[0]!.id });
  });

  it("names the ERP in the rejection email", async () => {
    const p = await makeProject(t.ctx, co.companyId, { number: "7002", name: "Cedar Park Library" });
    await buildLockedBudget(t, co.pm, co.companyId, p.id, [["05-120", "M", "4000.00"]]);
    const submissionId = await sendBudget(t, co.pm, co.companyId, p.id);
    const r = await api.post(`${erpUrl(co.companyId)}/${submissionId}/reject`, co.approver, {
      reason: "Steel quantities are off.",
    });
    expect(r.status).toBe(200);

    const queued = await t.ctx.db
      .selectFrom("email_outbox")
      .select(["to_email", "template", "payload"])
      .where("company_id", "=", co.companyId)
      .where("dedupe_key", "like", `rejection:${submissionId}:%`)
      .execute();
    expect(queued.map((m) => [m.to_email, m.template])).toEqual([[co.pm.email, "rejection-notice"]]);
    const email = renderEmail(readOutboxMessage(queued[0]!.payload, t.ctx.config.secretKey));
    for (const part of [email.html, email.text]) {
      expect(part).toContain(`rejected the budget sent to ${FAKE_ERP_LABEL} for`);
      expect(part).not.toContain("QuickBooks");
    }
    expect(fake.documents.filter((d) => d.submissionId === submissionId)).toHaveLength(0);
  });

  it("names the ERP in the export-failed email when the ERP refuses the estimate", async () => {
    const p = await makeProject(t.ctx, co.companyId, { number: "7003", name: "Northgate Warehouse" });
    fake.refuse.set("7003", {
      code: "ledger_closed",
      message: "The ledger period is closed.",
      remedy: "Open the period, then retry.",
    });
    await buildLockedBudget(t, co.pm, co.companyId, p.id, [["09-250", "M", "800.00"]]);
    const submissionId = await sendBudget(t, co.pm, co.companyId, p.id);
    expect((await api.post(`${erpUrl(co.companyId)}/${submissionId}/accept`, co.approver)).status).toBe(202);
    const failed = await waitForStatus(submissionId, "failed");
    expect(JSON.stringify(failed)).toContain("The ledger period is closed.");

    const queued = await t.ctx.db
      .selectFrom("email_outbox")
      .select(["payload"])
      .where("company_id", "=", co.companyId)
      .where("dedupe_key", "like", `export-failed:${submissionId}:%`)
      .execute();
    expect(queued.length).toBeGreaterThan(0);
    for (const m of queued) {
      const email = renderEmail(readOutboxMessage(m.payload, t.ctx.config.secretKey));
      expect(email.text).toContain(`could not be exported to ${FAKE_ERP_LABEL}.`);
      expect(email.html).toContain(`Export to ${FAKE_ERP_LABEL} failed`);
      expect(email.text).not.toContain("QuickBooks");
    }
    expect(fake.documents.filter((d) => d.submissionId === submissionId)).toHaveLength(0);
  });

  it("answers on a route of its own, mounted from its registry entry alone", async () => {
    const url = `/api/v1/companies/${co.companyId}/erp/fake/status`;
    const r = await api.get(url, co.admin);
    expect(r.status).toBe(200);
    const held = fake.documents.filter((d) => d.companyId === co.companyId).length;
    expect(held).toBeGreaterThan(0);
    expect(r.body).toEqual({ kind: FAKE_ERP_KIND, label: FAKE_ERP_LABEL, documents: held });
    expect((await api.get(url, co.pm)).status).toBe(200);

    expect((await api.get(url, null)).status).toBe(401);
    const other = await makeWorkflowCompany(t.ctx, "Elsewhere Builders");
    const outsider = await api.get(url, other.admin);
    expect(outsider.status).toBe(404);
    expect(outsider.body.error.code).toBe("not_found");
  });

  it("offers itself among a new company's choices, with nothing to start, beside the connect call of an OAuth ERP", async () => {
    const fresh = await makeWorkflowCompany(t.ctx, "Unconnected Builders");
    const r = await api.get(`/api/v1/companies/${fresh.companyId}/erp/connection`, fresh.admin);
    expect(r.status).toBe(200);
    expect(r.body.type).toBeNull();
    expect(r.body.choices).toContainEqual({
      kind: FAKE_ERP_KIND,
      label: FAKE_ERP_LABEL,
      connectionFlow: "preconfigured",
    });
    const online = r.body.choices.find((c: { connectionFlow: string }) => c.connectionFlow === "oauth");
    expect(online.connect).toEqual({
      method: "POST",
      path: `/api/v1/companies/${fresh.companyId}/erp/connection/quickbooks-online/connect`,
    });
    // The call the answer names is the one that starts the sign-in.
    const started = await api.post(online.connect.path, fresh.admin);
    expect(started.status).toBe(200);
    expect(started.body.authorizeUrl).toMatch(/^https?:\/\//);
  });
});

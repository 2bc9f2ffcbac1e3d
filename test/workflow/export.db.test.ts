/**
 * The whole path through the HTTP API, the real job worker and the QuickBooks Online emulator:
 * docs/product.md §lifecycle (send, accept, export, re-send, failure, retry), §send-rules, §send-button,
 * §estimate-mode, §changed-in-quickbooks, §export-retries, §erp-list (ERP Integrations list) and
 * §estimate-mapping (one Estimate per budget: lines at the revised estimate, zero markup, non-taxable, memo
 * marker, CB- number).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  budgetUrl,
  buildLockedBudget,
  erpUrl,
  type http,
  makeProject,
  type Obj,
  sendBudget,
} from "./fixture.js";
import {
  type Company,
  connectedCompany,
  type ExportWorld,
  estimatesOnJob,
  startQboExport,
  waitForSubmission,
} from "./qbo-export.js";

let w: ExportWorld;
let co: Company;
let api: ReturnType<typeof http>;

beforeAll(async () => {
  ({ w, api } = await startQboExport());
  co = await connectedCompany(w);
});
afterAll(async () => {
  await w?.close();
});

const waitForStatus = (submissionId: string, status: string) =>
  waitForSubmission(w, co, submissionId, status);
const estimatesOf = (projectName: string) => estimatesOnJob(w, projectName);

function salesLines(estimate: Obj) {
  return (estimate.Line as Obj[])
    .filter((l) => l.DetailType === "SalesItemLineDetail")
    .map((l) => ({
      amount: Number(l.Amount).toFixed(2),
      qty: l.SalesItemLineDetail.Qty,
      unitPrice: Number(l.SalesItemLineDetail.UnitPrice).toFixed(2),
      tax: l.SalesItemLineDetail.TaxCodeRef?.value,
      description: l.Description,
    }));
}

describe("send → accept → exported (docs/product.md §transitions, §send-button, §estimate-mapping)", () => {
  it("lands exactly one matching estimate in QuickBooks, and the budget reads synced", async () => {
    const p = await makeProject(w.ctx, co.companyId, { number: "2401", name: "Riverside Clinic" });
    const base = budgetUrl(co.companyId, p.id);
    await buildLockedBudget(w, co.pm, co.companyId, p.id, [
      ["03-300", "L", "125000.00"],
      ["03-300", "M", "40000.50"],
      ["26-100", "S", "9999.99"],
    ]);
    const before = await api.get(base, co.pm);
    expect(before.body.sendButton.label).toBe("Send to ERP");
    expect(before.body.actions.send).toEqual({ allowed: true, reasons: [] });

    const submissionId = await sendBudget(w, co.pm, co.companyId, p.id);
    const waiting = await api.get(base, co.pm);
    expect(waiting.body).toMatchObject({
      state: "awaiting_acceptance",
      ribbon: "blue",
      pendingSubmissionId: submissionId,
      sendButton: { label: "Retrieve from ERP" },
      actions: { retrieve: { allowed: true } },
    });

    // The approver finds it under Ready to Export with the right lines and totals.
    const list = await api.get(`${erpUrl(co.companyId)}?status=ready_to_export`, co.approver);
    expect(list.status).toBe(200);
    const row = list.body.items.find((i: Obj) => i.id === submissionId);
    expect(row).toMatchObject({
      status: "ready_to_export",
      project: { id: p.id, number: "2401", name: "Riverside Clinic" },
      submittedBy: { id: co.pm.id, email: co.pm.email },
      lineCount: 3,
      totals: { revisedEstimate: "175000.49", delta: "175000.49" },
    });
    const detail = await api.get(`${erpUrl(co.companyId)}/${submissionId}`, co.approver);
    expect(detail.body.lines).toEqual([
      expect.objectContaining({
        costCode: "03-300",
        category: "L",
        originalBudget: "125000.00",
        budgetChanges: "0.00",
        revisedEstimate: "125000.00",
        previouslyExported: "0.00",
        delta: "125000.00",
      }),
      expect.objectContaining({ costCode: "03-300", category: "M", revisedEstimate: "40000.50" }),
      expect.objectContaining({ costCode: "26-100", category: "S", revisedEstimate: "9999.99" }),
    ]);

    const accepted = await api.post(`${erpUrl(co.companyId)}/${submissionId}/accept`, co.approver);
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({ status: "exporting" });

    const done = await waitForStatus(submissionId, "exported");
    expect(done.export.confirmedAt).toEqual(expect.any(String));
    expect(done.export.lastError).toBeNull();
    expect(done.export.attempts).toHaveLength(1);

    const { job, estimates } = await estimatesOf("Riverside Clinic");
    expect(job).toMatchObject({ Job: true, ParentRef: { value: "1" } });
    expect(estimates).toHaveLength(1);
    const est = estimates[0]!;
    expect(done.export.erpRef).toMatchObject({ estimateId: est.Id, docNumber: "CB-2401" });
    expect(est.DocNumber).toBe("CB-2401");
    expect(est.PrivateNote).toContain(`Costbridge budget · project 2401 · submission ${submissionId}`);
    expect(est.TxnStatus).toBe("Pending");
    expect(Number(est.TotalAmt).toFixed(2)).toBe("175000.49");
    expect(salesLines(est)).toEqual([
      { amount: "125000.00", qty: 1, unitPrice: "125000.00", tax: "NON", description: expect.any(String) },
      { amount: "40000.50", qty: 1, unitPrice: "40000.50", tax: "NON", description: expect.any(String) },
      { amount: "9999.99", qty: 1, unitPrice: "9999.99", tax: "NON", description: expect.any(String) },
    ]);

    const synced = await api.get(base, co.pm);
    expect(synced.body).toMatchObject({
      state: "synced",
      ribbon: "green",
      locked: true,
      pendingSubmissionId: null,
      sendButton: { label: "Re-send to ERP" },
      lastSubmission: { id: submissionId, status: "exported" },
    });
    expect(synced.body.lines.every((l: Obj) => l.exported)).toBe(true);
    expect(synced.body.actions.send.allowed).toBe(false);
    expect(synced.body.actions.send.reasons.map((r: Obj) => r.code)).toEqual(["nothing_new_to_send"]);

    const exportedList = await api.get(`${erpUrl(co.companyId)}?status=exported`, co.viewer);
    expect(exportedList.body.items.map((i: Obj) => i.id)).toContain(submissionId);
  });
});

describe("re-send after a budget change (docs/product.md §estimate-mode: updated in place)", () => {
  it("updates the SAME estimate with the revised amounts and the new submission's memo", async () => {
    const p = await makeProject(w.ctx, co.companyId, { number: "2402", name: "Harbor View Offices" });
    const base = budgetUrl(co.companyId, p.id);
    const ids = await buildLockedBudget(w, co.pm, co.companyId, p.id, [
      ["01-100", "O", "50000.00"],
      ["05-120", "S", "80000.00"],
    ]);
    const first = await sendBudget(w, co.pm, co.companyId, p.id);
    await api.post(`${erpUrl(co.companyId)}/${first}/accept`, co.approver);
    await waitForStatus(first, "exported");
    const {
      estimates: [original],
    } = await estimatesOf("Harbor View Offices");
    expect(original).toBeDefined();
    // The projects list agrees with the budget page: synced now, something to re-send once a change is approved.
    const listed = async () =>
      (await api.get(`/api/v1/companies/${co.companyId}/projects?limit=200`, co.pm)).body.items.find(
        (i: { number: string }) => i.number === "2402",
      )?.budgetState;
    expect(await listed()).toBe("synced");

    const change = await api.post(`${base}/changes`, co.pm, {
      description: "Steel price increase",
      adjustments: [
        { lineId: ids["05-120 S"], amount: "12500.25" },
        { lineId: ids["01-100 O"], amount: "-5000.00" },
      ],
    });
    expect(change.status).toBe(201);
    // A draft counts for nothing: still synced, still nothing to send, on the budget page and in the list alike.
    expect((await api.get(base, co.pm)).body.state).toBe("synced");
    expect(await listed()).toBe("synced");
    expect((await api.post(`${base}/changes/${change.body.id}/approve`, co.pm)).status).toBe(200);
    const changed = await api.get(base, co.pm);
    expect(await listed()).toBe("locked");
    expect(changed.body).toMatchObject({
      state: "locked",
      sendButton: { label: "Re-send to ERP" },
      actions: { send: { allowed: true } },
      totals: { originalBudget: "130000.00", budgetChanges: "7500.25", revisedEstimate: "137500.25" },
    });

    const second = await sendBudget(w, co.pm, co.companyId, p.id);
    const detail = await api.get(`${erpUrl(co.companyId)}/${second}`, co.approver);
    expect(detail.body.totals).toMatchObject({ revisedEstimate: "137500.25", delta: "7500.25" });
    expect(detail.body.lines).toEqual([
      expect.objectContaining({
        costCode: "01-100",
        budgetChanges: "-5000.00",
        revisedEstimate: "45000.00",
        previouslyExported: "50000.00",
        delta: "-5000.00",
      }),
      expect.objectContaining({
        costCode: "05-120",
        budgetChanges: "12500.25",
        revisedEstimate: "92500.25",
        previouslyExported: "80000.00",
        delta: "12500.25",
      }),
    ]);
    expect(detail.body.preview.estimate).toMatchObject({ action: "update", estimateId: original!.Id });

    await api.post(`${erpUrl(co.companyId)}/${second}/accept`, co.approver);
    const done = await waitForStatus(second, "exported");
    const { estimates } = await estimatesOf("Harbor View Offices");
    expect(estimates).toHaveLength(1);
    const est = estimates[0]!;
    expect(est.Id).toBe(original!.Id);
    expect(done.export.erpRef.estimateId).toBe(original!.Id);
    expect(Number(est.SyncToken)).toBeGreaterThan(Number(original!.SyncToken));
    expect(est.PrivateNote).toContain(`submission ${second}`);
    expect(salesLines(est).map((l) => l.amount)).toEqual(["45000.00", "92500.25"]);
    expect(Number(est.TotalAmt).toFixed(2)).toBe("137500.25");
    expect((await api.get(base, co.pm)).body.state).toBe("synced");
  });
});

describe("transient QuickBooks failures (docs/product.md §export-retries)", () => {
  it("retries a 503 on the estimate write with backoff and still writes exactly one estimate", async () => {
    const p = await makeProject(w.ctx, co.companyId, { number: "2403", name: "Maple Street School" });
    await buildLockedBudget(w, co.pm, co.companyId, p.id, [["09-250", "M", "7300.00"]]);
    const id = await sendBudget(w, co.pm, co.companyId, p.id);
    const fault = await w.control("POST", "faults", {
      method: "POST",
      path: "/estimate",
      status: 503,
      count: 1,
      mode: "commit_then_fail",
    });
    expect(fault.status).toBe(201);
    await api.post(`${erpUrl(co.companyId)}/${id}/accept`, co.approver);
    await waitForStatus(id, "exported");
    const { estimates } = await estimatesOf("Maple Street School");
    // The first write was committed in QuickBooks and its answer lost: the retry found it instead of adding one.
    expect(estimates).toHaveLength(1);
    expect(salesLines(estimates[0]!).map((l) => l.amount)).toEqual(["7300.00"]);
    const log = (await (await w.control("GET", "requests?method=POST&path=estimate")).json()) as {
      items: Obj[];
    };
    expect(log.items.some((r: Obj) => r.status === 503)).toBe(true);
  });
});

describe("Failed to Export and retry (docs/product.md §export-failures, §retry)", () => {
  it("a permanent QuickBooks refusal lands in Failed to Export with a remedy; Retry exports it", async () => {
    const p = await makeProject(w.ctx, co.companyId, { number: "2404", name: "Northgate Warehouse" });
    const base = budgetUrl(co.companyId, p.id);
    await buildLockedBudget(w, co.pm, co.companyId, p.id, [["26-100", "E", "15000.00"]]);
    const id = await sendBudget(w, co.pm, co.companyId, p.id);
    await w.control("POST", "faults", {
      method: "POST",
      path: "/estimate",
      status: 400,
      count: 1,
      body: {
        Fault: {
          Error: [
            {
              Message: "A business validation error has occurred while processing your request",
              Detail: "Business Validation Error: The transaction date is in a closed period.",
              code: "6000",
              element: "",
            },
          ],
          type: "ValidationFault",
        },
        time: new Date().toISOString(),
      },
    });
    await api.post(`${erpUrl(co.companyId)}/${id}/accept`, co.approver);
    const failed = await waitForStatus(id, "failed");
    expect(failed.export.lastError).toEqual({
      code: expect.stringMatching(/\S/),
      message: expect.stringMatching(/closed period|business validation/i),
      remedy: expect.stringMatching(/\S/),
    });
    const list = await api.get(`${erpUrl(co.companyId)}?status=failed`, co.approver);
    expect(list.body.items.find((i: Obj) => i.id === id)).toMatchObject({
      status: "failed",
      lastError: { code: failed.export.lastError.code },
    });
    expect(list.body.counts.failed).toBeGreaterThanOrEqual(1);
    const budget = await api.get(base, co.pm);
    expect(budget.body).toMatchObject({ state: "failed", ribbon: "red" });
    expect(budget.body.actions.send.reasons.map((r: Obj) => r.code)).toContain("submission_pending");
    // Export-failed notice to the sender and the accepting approver.
    const mail = await w.ctx.db
      .selectFrom("email_outbox")
      .select(["to_email", "template"])
      .where("company_id", "=", co.companyId)
      .where("template", "=", "export-failed")
      .where("dedupe_key", "like", `%${id}%`)
      .execute();
    expect(mail.map((m) => m.to_email).sort()).toEqual([co.pm.email, co.approver.email].sort());
    expect((await estimatesOf("Northgate Warehouse")).estimates).toHaveLength(0);

    // A viewer without Can Push to Accounting cannot retry; an approver can.
    expect((await api.post(`${erpUrl(co.companyId)}/${id}/retry`, co.viewer)).status).toBe(403);
    const retried = await api.post(`${erpUrl(co.companyId)}/${id}/retry`, co.approver);
    expect(retried.status).toBe(202);
    const done = await waitForStatus(id, "exported");
    expect(done.export.attempts).toHaveLength(2);
    expect((await estimatesOf("Northgate Warehouse")).estimates).toHaveLength(1);
    expect((await api.get(base, co.pm)).body.state).toBe("synced");
  });

  it("an inactive job fails with a remedy naming QuickBooks; Reject from Failed to Export keeps an exported budget locked", async () => {
    const p = await makeProject(w.ctx, co.companyId, { number: "2405", name: "Cedar Park Library" });
    const base = budgetUrl(co.companyId, p.id);
    const ids = await buildLockedBudget(w, co.pm, co.companyId, p.id, [["03-300", "E", "20000.00"]]);
    const first = await sendBudget(w, co.pm, co.companyId, p.id);
    await api.post(`${erpUrl(co.companyId)}/${first}/accept`, co.approver);
    await waitForStatus(first, "exported");
    const { job } = await estimatesOf("Cedar Park Library");
    // A bookkeeper makes the job inactive in QuickBooks.
    const del = await w.control("POST", `delete/${w.qbo.emulator.defaultRealmId}/Customer/${job!.Id}`, {});
    expect(del.status).toBeLessThan(300);

    const change = await api.post(`${base}/changes`, co.pm, {
      description: "More equipment",
      adjustments: [{ lineId: ids["03-300 E"], amount: "1000.00" }],
    });
    await api.post(`${base}/changes/${change.body.id}/approve`, co.pm);
    const second = await sendBudget(w, co.pm, co.companyId, p.id);
    await api.post(`${erpUrl(co.companyId)}/${second}/accept`, co.approver);
    const failed = await waitForStatus(second, "failed");
    expect(failed.export.lastError.code).toBe("job_inactive");
    expect(failed.export.lastError.remedy).toMatch(/QuickBooks/);

    const rejected = await api.post(`${erpUrl(co.companyId)}/${second}/reject`, co.approver, {
      reason: "Job was closed in QuickBooks; check with accounting.",
    });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toEqual({ status: "rejected" });
    const budget = await api.get(base, co.pm);
    // Exported before: stays locked, lines and changes editable, Re-send allowed again.
    expect(budget.body).toMatchObject({
      state: "locked",
      locked: true,
      ribbon: "yellow",
      lastSubmission: {
        id: second,
        status: "rejected",
        reason: "Job was closed in QuickBooks; check with accounting.",
      },
      actions: { send: { allowed: true } },
    });
  });
});

describe("changed in QuickBooks (docs/product.md §changed-in-quickbooks)", () => {
  it("refuses to overwrite an estimate edited in QuickBooks, then Retry overwrites it", async () => {
    const p = await makeProject(w.ctx, co.companyId, { number: "2406", name: "Lakeside Apartments" });
    const base = budgetUrl(co.companyId, p.id);
    const ids = await buildLockedBudget(w, co.pm, co.companyId, p.id, [
      ["01-100", "L", "10000.00"],
      ["09-250", "S", "30000.00"],
    ]);
    const first = await sendBudget(w, co.pm, co.companyId, p.id);
    await api.post(`${erpUrl(co.companyId)}/${first}/accept`, co.approver);
    await waitForStatus(first, "exported");
    const {
      estimates: [est],
    } = await estimatesOf("Lakeside Apartments");
    const realmId = w.qbo.emulator.defaultRealmId;
    // A memo edit is the bookkeeper's own and kept without a question; a changed amount is a change to ours.
    const lines = (est!.Line as Obj[])
      .filter((l) => l.DetailType === "SalesItemLineDetail")
      .map((l, i) =>
        i === 0
          ? { ...l, Amount: 9000, SalesItemLineDetail: { ...l.SalesItemLineDetail, UnitPrice: 9000 } }
          : l,
      );
    const edit = await w.control("POST", `edit/${realmId}/Estimate/${est!.Id}`, {
      CustomerMemo: { value: "Bookkeeper's note" },
      Line: lines,
    });
    expect(edit.status).toBeLessThan(300);

    const change = await api.post(`${base}/changes`, co.pm, {
      description: "Drywall scope",
      adjustments: [{ lineId: ids["09-250 S"], amount: "2500.00" }],
    });
    await api.post(`${base}/changes/${change.body.id}/approve`, co.pm);
    const second = await sendBudget(w, co.pm, co.companyId, p.id);
    await api.post(`${erpUrl(co.companyId)}/${second}/accept`, co.approver);
    const failed = await waitForStatus(second, "failed");
    expect(failed.export.lastError.code).toBe("changed_in_quickbooks");
    expect(failed.export.lastError.remedy).toMatch(/Retry/i);
    const untouched = (await estimatesOf("Lakeside Apartments")).estimates;
    expect(untouched).toHaveLength(1);
    expect(salesLines(untouched[0]!).map((l) => l.amount)).toEqual(["9000.00", "30000.00"]);

    expect((await api.post(`${erpUrl(co.companyId)}/${second}/retry`, co.approver)).status).toBe(202);
    await waitForStatus(second, "exported");
    const after = (await estimatesOf("Lakeside Apartments")).estimates;
    expect(after).toHaveLength(1);
    expect(after[0]!.Id).toBe(est!.Id);
    expect(salesLines(after[0]!).map((l) => l.amount)).toEqual(["10000.00", "32500.00"]);
    expect(after[0]!.PrivateNote).toContain(`submission ${second}`);
    expect(after[0]!.CustomerMemo).toEqual({ value: "Bookkeeper's note" });
  });
});

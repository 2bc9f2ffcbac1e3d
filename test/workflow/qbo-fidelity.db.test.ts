/**
 * QuickBooks Online as real companies run it, through the HTTP API, the job worker and the emulator: a
 * bookkeeper's edits survive every re-send, QuickBooks numbers estimates when the company says so, an invoiced
 * estimate is never touched, and Canadian, UK and Australian companies export with their own tax setup.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forgetQuickBooksReference } from "../../src/app/erp/pg-reference-cache.js";
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
let api: ReturnType<typeof http>;
let realmId: string;

beforeAll(async () => {
  ({ w, api } = await startQboExport());
  realmId = w.qbo.emulator.defaultRealmId;
});
afterAll(async () => {
  await w?.close();
});

const newCompany = (name: string, currency = "USD") => connectedCompany(w, name, currency);

async function control(method: string, path: string, body?: unknown) {
  const res = await w.control(method, path, body);
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return res.json() as Promise<Obj>;
}

const settled = (co: Company, submissionId: string, status: string) =>
  waitForSubmission(w, co, submissionId, status);

async function sendAndAccept(co: Company, projectId: string) {
  const id = await sendBudget(w, co.pm, co.companyId, projectId);
  const accepted = await api.post(`${erpUrl(co.companyId)}/${id}/accept`, co.approver);
  expect(accepted.status, JSON.stringify(accepted.body)).toBeLessThan(300);
  return id;
}

/** An approved budget change on one line, ready to re-send. */
async function approveChange(co: Company, projectId: string, lineId: string, amount: string) {
  const base = budgetUrl(co.companyId, projectId);
  const change = await api.post(`${base}/changes`, co.pm, {
    description: "Scope change",
    adjustments: [{ lineId, amount }],
  });
  expect(change.status, JSON.stringify(change.body)).toBe(201);
  expect((await api.post(`${base}/changes/${change.body.id}/approve`, co.pm)).status).toBe(200);
}

async function estimatesOf(projectName: string) {
  return (await estimatesOnJob(w, projectName)).estimates;
}

function amounts(estimate: Obj): string[] {
  return (estimate.Line as Obj[])
    .filter((l) => l.DetailType === "SalesItemLineDetail")
    .map((l) => Number(l.Amount).toFixed(2));
}

describe("a bookkeeper's edits in QuickBooks survive every re-send", () => {
  it("address, expiration date, memo and Accepted status are all still there after an approved change; one estimate", async () => {
    const co = await newCompany("Harbor Builders");
    const p = await makeProject(w.ctx, co.companyId, { number: "3101", name: "Harbor View Tower" });
    const ids = await buildLockedBudget(w, co.pm, co.companyId, p.id, [
      ["03-300", "L", "125000.00"],
      ["26-100", "S", "9999.99"],
    ]);
    const first = await sendAndAccept(co, p.id);
    await settled(co, first, "exported");
    const [est] = await estimatesOf("Harbor View Tower");
    const bookkeeper = {
      BillAddr: {
        Line1: "Harbor View Tower LLC",
        Line2: "9 Quay Street",
        City: "Portside",
        PostalCode: "90001",
      },
      ExpirationDate: "2027-03-31",
      CustomerMemo: { value: "Prices valid for 90 days." },
      TxnStatus: "Accepted",
      AcceptedBy: "Dana Owner",
      AcceptedDate: "2026-12-02",
    };
    await control("POST", `edit/${realmId}/Estimate/${est!.Id}`, bookkeeper);

    await approveChange(co, p.id, ids["26-100 S"]!, "500.00");
    const second = await sendAndAccept(co, p.id);
    const done = await settled(co, second, "exported");

    const after = await estimatesOf("Harbor View Tower");
    expect(after).toHaveLength(1);
    expect(after[0]!.Id).toBe(est!.Id);
    expect(after[0]).toMatchObject(bookkeeper);
    expect(amounts(after[0]!)).toEqual(["125000.00", "10499.99"]);
    expect(after[0]!.PrivateNote).toContain(`submission ${second}`);
    expect(done.export.erpRef ?? done.export).toBeTruthy();
    expect((await api.get(budgetUrl(co.companyId, p.id), co.pm)).body.state).toBe("synced");
  });

  it("an estimate turned into an invoice is never modified: Failed to Export with a remedy that says so", async () => {
    const co = await newCompany("Quay Builders");
    const p = await makeProject(w.ctx, co.companyId, { number: "3102", name: "Quay Street Offices" });
    const ids = await buildLockedBudget(w, co.pm, co.companyId, p.id, [["03-300", "M", "20000.00"]]);
    const first = await sendAndAccept(co, p.id);
    await settled(co, first, "exported");
    const [est] = await estimatesOf("Quay Street Offices");
    await control("POST", `invoice/${realmId}/${est!.Id}`);
    const invoiced = (await estimatesOf("Quay Street Offices"))[0]!;

    await approveChange(co, p.id, ids["03-300 M"]!, "1500.00");
    const second = await sendAndAccept(co, p.id);
    const failed = await settled(co, second, "failed");
    expect(failed.export.lastError.code).toBe("estimate_invoiced");
    expect(failed.export.lastError.message).toMatch(/invoice/);
    expect(failed.export.lastError.remedy).toMatch(/never changes|leaves that estimate/);
    expect(failed.export.lastError.remedy).not.toMatch(/overwrite/i);

    // Even the approver's Retry does not touch it.
    expect((await api.post(`${erpUrl(co.companyId)}/${second}/retry`, co.approver)).status).toBe(202);
    const again = await settled(co, second, "failed");
    expect(again.export.lastError.code).toBe("estimate_invoiced");
    const after = (await estimatesOf("Quay Street Offices"))[0]!;
    expect(after.SyncToken).toBe(invoiced.SyncToken);
    expect(amounts(after)).toEqual(["20000.00"]);
  });
});

describe("the company's preferences and country", () => {
  it("without custom transaction numbers, QuickBooks numbers the estimate and Costbridge shows that number", async () => {
    await control("POST", `edit/${realmId}/Preferences/1`, { SalesFormsPrefs: { CustomTxnNumbers: false } });
    // Costbridge remembers the company setup; QuickBooks' change notice for Preferences makes it forget it.
    await forgetQuickBooksReference(w.ctx.db, realmId, "Preferences", null);
    try {
      const co = await newCompany("Pier Builders");
      const p = await makeProject(w.ctx, co.companyId, { number: "3103", name: "Pier Four Sheds" });
      await buildLockedBudget(w, co.pm, co.companyId, p.id, [["01-100", "L", "5000.00"]]);
      const id = await sendAndAccept(co, p.id);
      const done = await settled(co, id, "exported");
      const [est] = await estimatesOf("Pier Four Sheds");
      expect(est!.DocNumber).toMatch(/^\d+$/);
      expect(done.export.erpRef.docNumber).toBe(est!.DocNumber);
      // The approver's view shows the number QuickBooks assigned, not one Costbridge would have chosen.
      expect(done.preview.estimate.docNumber).toBe(est!.DocNumber);
      expect(JSON.stringify(done)).not.toContain("CB-3103");
    } finally {
      await control("POST", `edit/${realmId}/Preferences/1`, { SalesFormsPrefs: { CustomTxnNumbers: true } });
      await forgetQuickBooksReference(w.ctx.db, realmId, "Preferences", null);
    }
  });

  for (const [country, currency, exempt] of [
    ["CA", "CAD", "Exempt"],
    ["GB", "GBP", "Exempt"],
    ["AU", "AUD", "GST free"],
  ] as const) {
    it(`exports for a ${country} company: its exempt tax code, GlobalTaxCalculation, its currency`, async () => {
      const preset = await control("POST", `preset/${realmId}`, { country });
      const code = (preset.TaxCode as Obj[]).find((c) => c.Name === exempt)!;
      try {
        const co = await newCompany(`${country} Builders`, currency);
        const name = `${country} Community Hall`;
        const p = await makeProject(w.ctx, co.companyId, { number: `32-${country}`, name });
        const ids = await buildLockedBudget(w, co.pm, co.companyId, p.id, [
          ["03-300", "L", "125000.00"],
          ["26-100", "S", "9999.99"],
        ]);
        const first = await sendAndAccept(co, p.id);
        await settled(co, first, "exported");
        await approveChange(co, p.id, ids["03-300 L"]!, "1000.00");
        const second = await sendAndAccept(co, p.id);
        await settled(co, second, "exported");
        const estimates = await estimatesOf(name);
        expect(estimates).toHaveLength(1);
        const est = estimates[0]!;
        expect(est).toMatchObject({ GlobalTaxCalculation: "TaxExcluded", CurrencyRef: { value: currency } });
        expect(amounts(est)).toEqual(["126000.00", "9999.99"]);
        expect(Number(est.TotalAmt).toFixed(2)).toBe("135999.99");
        expect(
          (est.Line as Obj[])
            .filter((l) => l.DetailType === "SalesItemLineDetail")
            .map((l) => l.SalesItemLineDetail.TaxCodeRef.value),
        ).toEqual([code.Id, code.Id]);
      } finally {
        await control("POST", `preset/${realmId}`, { country: "US" });
      }
    });
  }

  it("a company currency QuickBooks does not hold fails the export, then blocks Send as a named prerequisite", async () => {
    await control("POST", `preset/${realmId}`, { country: "CA" });
    try {
      const co = await newCompany("Euro Builders", "EUR");
      const p = await makeProject(w.ctx, co.companyId, { number: "3104", name: "Canal Lofts" });
      const base = budgetUrl(co.companyId, p.id);
      await buildLockedBudget(w, co.pm, co.companyId, p.id, [["01-100", "L", "5000.00"]]);
      // Before any export has read the QuickBooks company, nothing is known to refuse.
      expect((await api.get(base, co.pm)).body.actions.send.allowed).toBe(true);
      const id = await sendAndAccept(co, p.id);
      const failed = await settled(co, id, "failed");
      expect(failed.export.lastError.code).toBe("currency_not_in_quickbooks");
      expect(failed.export.lastError.remedy).toMatch(/CAD/);
      expect(await estimatesOf("Canal Lofts")).toHaveLength(0);

      const rejected = await api.post(`${erpUrl(co.companyId)}/${id}/reject`, co.approver, {
        reason: "Company currency is wrong.",
      });
      expect(rejected.status).toBe(200);
      // Never exported: the rejection unlocked the budget; the PM locks it again.
      expect((await api.post(`${base}/lock`, co.pm)).status).toBe(200);
      const budget = await api.get(base, co.pm);
      expect(budget.body.actions.send.reasons.map((r: Obj) => r.code)).toEqual([
        "currency_not_in_quickbooks",
      ]);
      const reason = budget.body.actions.send.reasons.find(
        (r: Obj) => r.code === "currency_not_in_quickbooks",
      );
      expect(reason.message).toMatch(/EUR.*holds CAD/);
      const refused = await api.post(`${base}/send-to-erp`, co.pm);
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe("currency_not_in_quickbooks");

      await w.ctx.db
        .updateTable("companies")
        .set({ currency: "CAD" })
        .where("id", "=", co.companyId)
        .execute();
      expect((await api.get(base, co.pm)).body.actions.send.allowed).toBe(true);
      const again = await sendAndAccept(co, p.id);
      await settled(co, again, "exported");
      expect(await estimatesOf("Canal Lofts")).toHaveLength(1);
    } finally {
      await control("POST", `preset/${realmId}`, { country: "US" });
    }
  });
});

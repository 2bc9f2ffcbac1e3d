/**
 * QuickBooks Online traffic at its floor, through the HTTP API, the job worker, PostgreSQL and the emulator, read
 * from the emulator's metered-call counters: a re-send is one write and no read, a new project on a company whose
 * items exist takes at most three calls, and what Costbridge remembers is refreshed — within the same attempt —
 * when QuickBooks says it is gone, inactive or stale.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forgetQuickBooksReference } from "../../src/app/erp/pg-reference-cache.js";
import { createExportWorld, type ExportWorld, eventually } from "../support/worker.js";
import {
  budgetUrl,
  buildLockedBudget,
  erpUrl,
  http,
  makeProject,
  makeWorkflowCompany,
  type Obj,
  sendBudget,
} from "./fixture.js";

let w: ExportWorld;
let api: ReturnType<typeof http>;
let realmId: string;

beforeAll(async () => {
  w = await createExportWorld();
  api = http(w);
  realmId = w.qbo.emulator.defaultRealmId;
});
afterAll(async () => {
  await w?.close();
});

type Company = Awaited<ReturnType<typeof makeWorkflowCompany>>;

async function newCompany(name: string): Promise<Company> {
  const co = await makeWorkflowCompany(w.ctx, name);
  await w.connectQuickBooksOnline(co.companyId);
  return co;
}

async function control(method: string, path: string, body?: unknown) {
  const res = await w.control(method, path, body);
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return res.status === 204 ? ({} as Obj) : (res.json() as Promise<Obj>);
}

/** Metered calls QuickBooks saw from this realm since the last reset. */
async function calls(): Promise<{ reads: number; writes: number; total: number }> {
  const c = await control("GET", `calls/${realmId}`);
  return { reads: c.reads, writes: c.writes, total: c.total };
}

async function resetCalls() {
  await control("DELETE", `calls/${realmId}`);
}

async function settled(co: Company, submissionId: string, status: string) {
  return eventually(
    async () => {
      const r = await api.get(`${erpUrl(co.companyId)}/${submissionId}`, co.approver);
      return r.body.status === status ? r.body : undefined;
    },
    { what: `submission ${submissionId} to be ${status}` },
  );
}

async function sendAndAccept(co: Company, projectId: string) {
  const id = await sendBudget(w, co.pm, co.companyId, projectId);
  const accepted = await api.post(`${erpUrl(co.companyId)}/${id}/accept`, co.approver);
  expect(accepted.status, JSON.stringify(accepted.body)).toBeLessThan(300);
  return id;
}

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
  const realm = await w.realm();
  const job = (realm.Customer as Obj[]).find((c) => c.DisplayName === projectName);
  if (!job) return [] as Obj[];
  return (realm.Estimate as Obj[]).filter((e) => e.CustomerRef?.value === job.Id);
}

/** The active item Costbridge added for a cost code (its SKU is the code). */
async function itemOf(costCode: string): Promise<Obj> {
  const realm = await w.realm();
  const item = (realm.Item as Obj[]).find((i) => i.Sku === costCode && i.Active !== false);
  expect(item, `item of ${costCode}`).toBeTruthy();
  return item!;
}

/** One exported project, the cache filled by its export. */
async function exportedProject(co: Company, number: string, name: string) {
  const p = await makeProject(w.ctx, co.companyId, { number, name });
  const ids = await buildLockedBudget(w, co.pm, co.companyId, p.id, [
    ["03-300", "L", "12000.00"],
    ["26-100", "S", "800.00"],
  ]);
  const first = await sendAndAccept(co, p.id);
  await settled(co, first, "exported");
  return { p, ids };
}

describe("calls at the floor", () => {
  it("a re-send is one sparse update and no read; a new project on a company whose items exist is at most 3 calls", async () => {
    const co = await newCompany("Floor Builders");
    const { p, ids } = await exportedProject(co, "4101", "Floor One Depot");

    await approveChange(co, p.id, ids["03-300 L"]!, "500.00");
    await resetCalls();
    const resend = await sendAndAccept(co, p.id);
    await settled(co, resend, "exported");
    expect(await calls()).toEqual({ reads: 0, writes: 1, total: 1 });
    const [est] = await estimatesOf("Floor One Depot");
    expect(
      (est!.Line as Obj[]).filter((l) => l.DetailType === "SalesItemLineDetail").map((l) => l.Amount),
    ).toEqual([12500, 800]);
    expect(await estimatesOf("Floor One Depot")).toHaveLength(1);

    const q = await makeProject(w.ctx, co.companyId, { number: "4102", name: "Floor Two Depot" });
    await buildLockedBudget(w, co.pm, co.companyId, q.id, [
      ["03-300", "L", "7000.00"],
      ["26-100", "S", "300.00"],
    ]);
    await resetCalls();
    const first = await sendAndAccept(co, q.id);
    await settled(co, first, "exported");
    const c = await calls();
    expect(c.total).toBeLessThanOrEqual(3);
    expect(c.reads).toBe(0);
    expect(await estimatesOf("Floor Two Depot")).toHaveLength(1);
  });

  it("a stale SyncToken (the estimate edited in QuickBooks outside what Costbridge owns) recovers with one read", async () => {
    const co = await newCompany("Stale Builders");
    const { p, ids } = await exportedProject(co, "4201", "Stale Street Hall");
    const [est] = await estimatesOf("Stale Street Hall");
    await control("POST", `edit/${realmId}/Estimate/${est!.Id}`, {
      CustomerMemo: { value: "Valid 30 days." },
      ExpirationDate: "2027-06-30",
    });

    await approveChange(co, p.id, ids["26-100 S"]!, "200.00");
    await resetCalls();
    const resend = await sendAndAccept(co, p.id);
    await settled(co, resend, "exported");
    // The update refused as stale (5010), one read of the estimate, the update again.
    expect(await calls()).toEqual({ reads: 1, writes: 2, total: 3 });
    const after = await estimatesOf("Stale Street Hall");
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({
      CustomerMemo: { value: "Valid 30 days." },
      ExpirationDate: "2027-06-30",
    });

    // What the update returned is remembered: the next re-send is one call again.
    await approveChange(co, p.id, ids["26-100 S"]!, "100.00");
    await resetCalls();
    const again = await sendAndAccept(co, p.id);
    await settled(co, again, "exported");
    expect(await calls()).toEqual({ reads: 0, writes: 1, total: 1 });
  });
});

describe("a remembered reference that QuickBooks no longer has", () => {
  it("an item deleted in QuickBooks after it was remembered is replaced within the same attempt", async () => {
    const co = await newCompany("Deleted Item Builders");
    const { p, ids } = await exportedProject(co, "4301", "Deleted Item Annex");
    const item = await itemOf("26-100");
    await control("POST", `delete/${realmId}/Item/${item.Id}`);
    // The cost code is no longer mapped (as after an admin clears it), so the export finds or adds it by name.
    await w.ctx.db
      .updateTable("cost_codes")
      .set({ erp_item_ref: null })
      .where("company_id", "=", co.companyId)
      .where("code", "=", "26-100")
      .execute();

    await approveChange(co, p.id, ids["26-100 S"]!, "50.00");
    const resend = await sendAndAccept(co, p.id);
    await settled(co, resend, "exported");
    const attempts = await w.ctx.db
      .selectFrom("export_attempts")
      .select(["attempt", "outcome"])
      .where("submission_id", "=", resend)
      .execute();
    expect(attempts).toHaveLength(1);

    const replacement = await itemOf("26-100");
    expect(replacement.Name).toBe(item.Name);
    expect(replacement.Id).not.toBe(item.Id);
    expect(replacement.Active).toBe(true);
    const [est] = await estimatesOf("Deleted Item Annex");
    const itemIds = (est!.Line as Obj[])
      .filter((l) => l.DetailType === "SalesItemLineDetail")
      .map((l) => l.SalesItemLineDetail.ItemRef.value);
    expect(itemIds).toContain(replacement.Id);
    expect(itemIds).not.toContain(item.Id);
    expect(await estimatesOf("Deleted Item Annex")).toHaveLength(1);
  });

  it("an item made inactive in QuickBooks: one attempt ends in Failed to Export naming it; reactivated, Retry exports", async () => {
    const co = await newCompany("Inactive Item Builders");
    const { p, ids } = await exportedProject(co, "4401", "Inactive Item Lodge");
    const item = await itemOf("03-300");
    await control("POST", `edit/${realmId}/Item/${item.Id}`, { Active: false });

    await approveChange(co, p.id, ids["03-300 L"]!, "75.00");
    await resetCalls();
    const resend = await sendAndAccept(co, p.id);
    const failed = await settled(co, resend, "failed");
    expect(failed.export.lastError.code).toBe("item_inactive");
    expect(`${failed.export.lastError.message} ${failed.export.lastError.remedy}`).toContain(item.Name);
    // The refused update, then one fresh look-up of the items instead of the remembered ones.
    const c = await calls();
    expect(c.writes).toBe(1);
    expect(c.reads).toBeLessThanOrEqual(2);

    await control("POST", `edit/${realmId}/Item/${item.Id}`, { Active: true });
    expect((await api.post(`${erpUrl(co.companyId)}/${resend}/retry`, co.approver)).status).toBe(202);
    await settled(co, resend, "exported");
    expect(await estimatesOf("Inactive Item Lodge")).toHaveLength(1);
  });

  it("the remembered estimate deleted in QuickBooks: changed in QuickBooks, never a second estimate; Retry re-adds one", async () => {
    const co = await newCompany("Gone Estimate Builders");
    const { p, ids } = await exportedProject(co, "4501", "Gone Estimate Yard");
    const [est] = await estimatesOf("Gone Estimate Yard");
    await control("POST", `delete/${realmId}/Estimate/${est!.Id}`);

    await approveChange(co, p.id, ids["03-300 L"]!, "10.00");
    const resend = await sendAndAccept(co, p.id);
    const failed = await settled(co, resend, "failed");
    expect(failed.export.lastError.code).toBe("changed_in_quickbooks");
    expect(failed.export.lastError.message).toMatch(/deleted/);
    expect(await estimatesOf("Gone Estimate Yard")).toHaveLength(0);

    expect((await api.post(`${erpUrl(co.companyId)}/${resend}/retry`, co.approver)).status).toBe(202);
    await settled(co, resend, "exported");
    expect(await estimatesOf("Gone Estimate Yard")).toHaveLength(1);
  });

  it("forgetQuickBooksReference makes the next export look the record up again", async () => {
    const co = await newCompany("Forget Builders");
    const { p, ids } = await exportedProject(co, "4601", "Forget Me Not Barn");
    const item = await itemOf("26-100");
    expect(await forgetQuickBooksReference(w.ctx.db, realmId, "Item", item.Id)).toBeGreaterThan(0);
    expect(await forgetQuickBooksReference(w.ctx.db, realmId, "Item", item.Id)).toBe(0);

    await approveChange(co, p.id, ids["26-100 S"]!, "25.00");
    await resetCalls();
    const resend = await sendAndAccept(co, p.id);
    await settled(co, resend, "exported");
    expect(await calls()).toEqual({ reads: 1, writes: 1, total: 2 });
  });
});

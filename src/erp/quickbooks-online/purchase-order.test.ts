import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  SEED_PARENT_CUSTOMER,
  type StartedQboEmulator,
  startQboEmulator,
} from "../../../emulators/quickbooks-online/index.js";
import type {
  ErpConnector,
  ErpPurchaseOrderRef,
  PurchaseOrderExportRequest,
  PurchaseOrderOutcome,
} from "../connector.js";
import { resolveQboEndpoints } from "./endpoints.js";
import { createQboConnector } from "./index.js";
import { InProcessRateGate } from "./rate-gate.js";
import { InMemoryReferenceCache } from "./reference-cache.js";
import { InMemoryTokenVault, QboOAuthClient, QboTokenManager } from "./tokens.js";

const REDIRECT_URI = "http://127.0.0.1:9/oauth/quickbooks/callback";
const COMPANY = "co-1";

type Obj = Record<string, unknown>;

let emu: StartedQboEmulator;
let realmId: string;
let connector: ErpConnector;

async function control(method: string, path: string, body?: unknown): Promise<Obj> {
  const res = await fetch(`${emu.url}/__emulator${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`control ${method} ${path} → ${res.status} ${await res.text()}`);
  return res.status === 204 ? {} : ((await res.json()) as Obj);
}

beforeEach(async () => {
  emu = await startQboEmulator({ port: 0, limits: { perSecond: 1000, perMinute: 100_000, concurrent: 50 } });
  const endpoints = resolveQboEndpoints(emu.url);
  const oauth = new QboOAuthClient({
    endpoints,
    clientId: "demo-client-id",
    clientSecret: "demo-client-secret",
  });
  const consent = await fetch(oauth.buildAuthorizeUrl({ redirectUri: REDIRECT_URI, state: "s" }), {
    redirect: "manual",
  });
  const callback = new URL(consent.headers.get("location")!);
  realmId = callback.searchParams.get("realmId")!;
  const grant = await oauth.exchangeAuthorizationCode(callback.searchParams.get("code")!, REDIRECT_URI);
  const vault = new InMemoryTokenVault();
  vault.set(COMPANY, { ...grant, realmId });
  connector = createQboConnector({
    endpoints,
    tokens: new QboTokenManager({ vault, oauth }),
    rateGate: new InProcessRateGate({ perSecond: 1000, perMinute: 100_000, concurrent: 10 }),
    throttleBackoffSeconds: 60,
    timeoutMs: 5_000,
    referenceCache: new InMemoryReferenceCache(),
  });
});
afterEach(async () => {
  await emu.close();
});

function request(over: Partial<PurchaseOrderExportRequest> = {}): PurchaseOrderExportRequest {
  return {
    companyId: COMPANY,
    submissionId: "sub-1",
    attempt: 1,
    project: { number: "2024-017", name: "Harbor View Tower", parentCustomerName: SEED_PARENT_CUSTOMER },
    commitment: { id: "cmt-1", number: "SC-001", title: "Drywall and framing", kind: "subcontract" },
    vendor: {
      name: "Acme Drywall",
      contactName: "Dana Lee",
      email: "dana@acme-drywall.example",
      phone: "(555) 010-3000",
      address: {
        line1: "9 Quarry Road",
        city: "Springfield",
        region: "CA",
        postalCode: "94003",
        country: null,
      },
    },
    lines: [
      {
        lineKey: "03-300|L",
        costCode: "03-300",
        costCodeDescription: "Cast-in-place concrete",
        category: "L",
        categoryName: "Labor",
        description: "Forming and pouring, level 2",
        amount: 12_500_000n,
      },
      {
        lineKey: "09-250|S",
        costCode: "09-250",
        costCodeDescription: "Gypsum board",
        category: "S",
        categoryName: "Subcontract",
        description: "",
        amount: 4_250_099n,
      },
    ],
    createMissingItems: true,
    createMissingVendors: true,
    previous: null,
    useClasses: false,
    ...over,
  };
}

function exportPo(req: PurchaseOrderExportRequest): Promise<PurchaseOrderOutcome> {
  if (!connector.exportPurchaseOrder)
    throw new Error("the QuickBooks Online connector takes purchase orders");
  return connector.exportPurchaseOrder(req);
}

async function state(): Promise<Record<string, Obj[]>> {
  const s = (await control("GET", "/state")) as { realms: Record<string, Record<string, Obj[]>> };
  return s.realms[realmId]!;
}

async function purchaseOrders(): Promise<Obj[]> {
  return ((await state()).PurchaseOrder ?? []).filter((p) => p.status !== "Deleted");
}

async function calls(): Promise<{ reads: number; writes: number }> {
  const c = (await control("GET", `/calls/${realmId}`)) as { reads: number; writes: number };
  await control("DELETE", `/calls/${realmId}`);
  return { reads: c.reads, writes: c.writes };
}

function done(outcome: PurchaseOrderOutcome) {
  if (outcome.kind !== "done") throw new Error(`expected done, got ${JSON.stringify(outcome)}`);
  return outcome;
}

function lineSummary(po: Obj): Array<[string, string, string]> {
  return (po.Line as Obj[]).map((l) => {
    const d = l.ItemBasedExpenseLineDetail as Obj;
    return [String(l.Id), Number(l.Amount).toFixed(2), String((d.CustomerRef as Obj).value)];
  });
}

/** A first export and its call count, measured on the emulator (reads = GETs and queries, writes = POSTs). */
async function firstExport(req = request()) {
  await calls();
  const outcome = done(await exportPo(req));
  return { outcome, counts: await calls() };
}

describe("purchase orders for commitments in QuickBooks Online", () => {
  it("first export: creates the vendor and one open purchase order, every line on the job, amounts as the commitment (≤ 16 calls)", async () => {
    const { outcome, counts } = await firstExport();
    console.info(`first purchase-order export: ${counts.reads} reads, ${counts.writes} writes`);
    expect(counts.reads + counts.writes).toBeLessThanOrEqual(16);
    const s = await state();
    const vendor = s.Vendor!.find((v) => v.DisplayName === "Acme Drywall")!;
    expect(vendor).toMatchObject({
      CompanyName: "Acme Drywall",
      GivenName: "Dana",
      FamilyName: "Lee",
      PrimaryEmailAddr: { Address: "dana@acme-drywall.example" },
      BillAddr: { Line1: "9 Quarry Road", City: "Springfield", CountrySubDivisionCode: "CA" },
    });
    const job = s.Customer!.find((c) => c.DisplayName === "Harbor View Tower")!;
    const [po, ...others] = await purchaseOrders();
    expect(others).toEqual([]);
    expect(po).toMatchObject({
      DocNumber: "SC-001",
      POStatus: "Open",
      Memo: "Drywall and framing",
      PrivateNote: "Costbridge commitment cmt-1",
      TotalAmt: 167_500.99,
      VendorRef: { value: vendor.Id },
      APAccountRef: { name: "Accounts Payable (A/P)" },
    });
    expect(lineSummary(po!)).toEqual([
      ["1", "125000.00", job.Id],
      ["2", "42500.99", job.Id],
    ]);
    const lines = po!.Line as Obj[];
    expect(lines.map((l) => l.Description)).toEqual([
      "Forming and pouring, level 2",
      "09-250 Gypsum board · Subcontract",
    ]);
    expect(lines[0]!.ItemBasedExpenseLineDetail).toMatchObject({ BillableStatus: "NotBillable", Qty: 1 });
    expect(outcome).toMatchObject({
      createdJob: true,
      createdVendor: true,
      createdItems: ["09-250 Gypsum board"],
      erpRef: {
        purchaseOrderId: po!.Id,
        version: "0",
        vendorRef: vendor.Id,
        jobRef: job.Id,
        docNumber: "SC-001",
        lines: [
          { lineKey: "03-300|L", lineId: "1", amount: "125000.00" },
          { lineKey: "09-250|S", lineId: "2", amount: "42500.99" },
        ],
      },
    });
    // The existing concrete item had no purchase side: it got the expense account; the new item was made with one.
    const concrete = s.Item!.find((i) => i.Name === "03-300 Cast-in-place concrete")!;
    const gypsum = s.Item!.find((i) => i.Name === "09-250 Gypsum board")!;
    expect(concrete.ExpenseAccountRef).toMatchObject({ name: "Cost of Goods Sold" });
    expect(gypsum).toMatchObject({ ExpenseAccountRef: { name: "Cost of Goods Sold" }, PurchaseCost: 0 });
    expect(outcome.itemRefs).toEqual({ "03-300": concrete.Id, "09-250": gypsum.Id });
  });

  it("a retry of the same attempt after a lost answer writes nothing twice: exactly one purchase order", async () => {
    await control("POST", "/faults", {
      method: "POST",
      path: "/purchaseorder",
      status: 502,
      mode: "commit_then_fail",
      count: 1,
    });
    const lost = await exportPo(request());
    expect(lost.kind).toBe("retryable");
    const again = done(await exportPo(request()));
    const all = await purchaseOrders();
    expect(all).toHaveLength(1);
    expect(again.erpRef.purchaseOrderId).toBe(all[0]!.Id);
    expect((await state()).Vendor!.filter((v) => v.DisplayName === "Acme Drywall")).toHaveLength(1);
    // A later attempt (Retry after a crash) finds it by its number and marker instead of adding a second one.
    const third = done(await exportPo(request({ attempt: 2, submissionId: "sub-1" })));
    expect(third.erpRef.purchaseOrderId).toBe(all[0]!.Id);
    expect(await purchaseOrders()).toHaveLength(1);
  });

  it("a change order re-sent modifies the same purchase order in place: line ids kept, the new line added", async () => {
    const first = done(await exportPo(request()));
    const base = request();
    await calls();
    const resend = request({
      submissionId: "sub-2",
      previous: first.erpRef,
      vendor: { ...base.vendor, existingVendorRef: first.erpRef.vendorRef },
      project: { ...base.project, existingJobRef: first.erpRef.jobRef },
      lines: [
        { ...base.lines[0]!, amount: 13_000_000n },
        base.lines[1]!,
        {
          lineKey: "05-500|M",
          costCode: "05-500",
          costCodeDescription: "Metal fabrications",
          category: "M",
          categoryName: "Material",
          description: "Added by change order 1",
          amount: 1_000_000n,
        },
      ],
    });
    const second = done(await exportPo(resend));
    const counts = await calls();
    console.info(`change-order re-send: ${counts.reads} reads, ${counts.writes} writes`);
    expect(counts.reads + counts.writes).toBeLessThanOrEqual(6);
    const [po, ...others] = await purchaseOrders();
    expect(others).toEqual([]);
    expect(po!.Id).toBe(first.erpRef.purchaseOrderId);
    expect(po).toMatchObject({ SyncToken: "1", TotalAmt: 182_500.99, DocNumber: "SC-001" });
    expect(lineSummary(po!).map(([id, amount]) => [id, amount])).toEqual([
      ["1", "130000.00"],
      ["2", "42500.99"],
      ["3", "10000.00"],
    ]);
    expect(second.erpRef).toMatchObject({
      version: "1",
      lines: [
        { lineKey: "03-300|L", lineId: "1" },
        { lineKey: "09-250|S", lineId: "2" },
        { lineKey: "05-500|M", lineId: "3", amount: "10000.00" },
      ],
    });
    expect(second.createdVendor).toBe(false);
  });

  it("a re-send after someone saved the purchase order in QuickBooks reads it once and updates it (stale SyncToken)", async () => {
    const first = done(await exportPo(request()));
    await control("POST", `/edit/${realmId}/PurchaseOrder/${first.erpRef.purchaseOrderId}`, {
      PrivateNote: "Costbridge commitment cmt-1\nCall before delivery",
    });
    const base = request();
    const second = done(
      await exportPo(
        request({
          submissionId: "sub-2",
          previous: first.erpRef,
          lines: [{ ...base.lines[0]!, amount: 12_600_000n }, base.lines[1]!],
        }),
      ),
    );
    const [po] = await purchaseOrders();
    expect(second.erpRef.version).toBe("2");
    expect(po!.PrivateNote).toBe("Costbridge commitment cmt-1\nCall before delivery");
    expect(lineSummary(po!).map(([id, amount]) => [id, amount])).toEqual([
      ["1", "126000.00"],
      ["2", "42500.99"],
    ]);
  });

  it("a purchase order deleted in QuickBooks is never replaced silently; the approver's Retry writes a new one", async () => {
    const first = done(await exportPo(request()));
    await control("POST", `/delete/${realmId}/PurchaseOrder/${first.erpRef.purchaseOrderId}`);
    const refused = await exportPo(request({ submissionId: "sub-2", previous: first.erpRef }));
    expect(refused).toMatchObject({ kind: "rejected", code: "changed_in_quickbooks" });
    expect(await purchaseOrders()).toHaveLength(0);
    const retried = done(
      await exportPo(
        request({ submissionId: "sub-2", attempt: 2, previous: first.erpRef, overwriteChangedInErp: true }),
      ),
    );
    const all = await purchaseOrders();
    expect(all.map((p) => p.Id)).toEqual([retried.erpRef.purchaseOrderId]);
    expect(retried.erpRef.purchaseOrderId).not.toBe(first.erpRef.purchaseOrderId);
  });

  it("a mapped item without an expense account gets one by a sparse update, keeping its sales side", async () => {
    const s = await state();
    const painting = s.Item!.find((i) => i.Name === "09-900 Painting")!;
    expect(painting.ExpenseAccountRef).toBeUndefined();
    const base = request();
    done(
      await exportPo(
        request({
          lines: [
            { ...base.lines[0]!, lineKey: "09-900|S", costCode: "09-900", itemRef: String(painting.Id) },
          ],
        }),
      ),
    );
    const after = (await state()).Item!.find((i) => i.Id === painting.Id)!;
    expect(after).toMatchObject({
      SyncToken: "1",
      ExpenseAccountRef: { name: "Cost of Goods Sold" },
      IncomeAccountRef: painting.IncomeAccountRef as Obj,
    });
    const [po] = await purchaseOrders();
    expect(((po!.Line as Obj[])[0]!.ItemBasedExpenseLineDetail as Obj).ItemRef).toMatchObject({
      value: painting.Id,
    });
  });

  it("an item QuickBooks will not give a purchase side is refused with a remedy naming the item", async () => {
    await control("POST", "/faults", {
      method: "POST",
      path: "/item\\?.*operation=update",
      status: 400,
      body: {
        Fault: {
          Error: [
            { Message: "A business validation error has occurred", Detail: "Item locked", code: "6000" },
          ],
          type: "ValidationFault",
        },
      },
      count: 1,
    });
    const outcome = await exportPo(request());
    expect(outcome).toMatchObject({ kind: "rejected", code: "item_purchase_side_refused" });
    if (outcome.kind === "rejected") expect(outcome.remedy).toContain('"03-300 Cast-in-place concrete"');
    expect(await purchaseOrders()).toHaveLength(0);
  });

  it("with creating vendors off, a vendor QuickBooks lacks is rejected as vendor_missing with a remedy", async () => {
    const outcome = await exportPo(request({ createMissingVendors: false }));
    expect(outcome).toMatchObject({ kind: "rejected", code: "vendor_missing" });
    if (outcome.kind === "rejected") expect(outcome.remedy).toMatch(/Mappings › Vendors/);
    expect(await purchaseOrders()).toHaveLength(0);
    expect((await state()).Vendor!.some((v) => v.DisplayName === "Acme Drywall")).toBe(false);
  });

  it("finds an existing vendor by name, and refuses an inactive one with a remedy", async () => {
    const found = done(
      await exportPo(request({ vendor: { name: "concrete supply co" }, createMissingVendors: false })),
    );
    const seeded = (await state()).Vendor!.find((v) => v.DisplayName === "Concrete Supply Co")!;
    expect(found).toMatchObject({ createdVendor: false, erpRef: { vendorRef: seeded.Id } });
    await control("POST", `/delete/${realmId}/Vendor/${seeded.Id}`);
    const refused = await exportPo(
      request({
        submissionId: "sub-2",
        commitment: { ...request().commitment, id: "cmt-2", number: "PO-9" },
        vendor: { name: "x", existingVendorRef: String(seeded.Id) },
      }),
    );
    expect(refused).toMatchObject({ kind: "rejected", code: "vendor_inactive" });
  });

  it("with classes on, each line carries its category as a class and the description leaves it out", async () => {
    const base = request();
    done(
      await exportPo(
        request({ useClasses: true, lines: [{ ...base.lines[1]!, category: "L", categoryName: "Labor" }] }),
      ),
    );
    const [po] = await purchaseOrders();
    const line = (po!.Line as Obj[])[0]!;
    expect(line.Description).toBe("09-250 Gypsum board");
    expect(line.ItemBasedExpenseLineDetail).toMatchObject({ ClassRef: { name: "Labor" } });
  });

  it("a fault QuickBooks answers on the purchase order gets a remedy that speaks of the purchase order", async () => {
    await control("POST", "/faults", {
      method: "POST",
      path: "/purchaseorder",
      status: 400,
      body: {
        Fault: {
          Error: [{ Message: "A business validation error has occurred", Detail: "Not today", code: "6000" }],
          type: "ValidationFault",
        },
      },
      count: 1,
    });
    const outcome = await exportPo(request());
    expect(outcome).toMatchObject({ kind: "rejected", code: "quickbooks_business_rule" });
    if (outcome.kind === "rejected") {
      expect(outcome.message).toContain("Not today");
      expect(outcome.remedy).toContain("purchase order");
      expect(outcome.remedy).not.toMatch(/estimate|budget/);
    }
  });

  it("a Canadian company with multicurrency: the purchase order states no tax applies and is in the company's currency", async () => {
    await control("POST", `/preset/${realmId}`, { country: "CA", multicurrency: true, currencies: ["USD"] });
    done(await exportPo(request({ currency: "CAD" })));
    const [po] = await purchaseOrders();
    expect(po).toMatchObject({
      GlobalTaxCalculation: "NotApplicable",
      CurrencyRef: { value: "CAD" },
      TotalAmt: 167_500.99,
    });
    const vendor = (await state()).Vendor!.find((v) => v.DisplayName === "Acme Drywall")!;
    expect(vendor.CurrencyRef).toMatchObject({ value: "CAD" });
  });

  it("a vendor name a customer holds is refused as vendor_name_taken", async () => {
    const outcome = await exportPo(request({ vendor: { name: "Smith Residence" } }));
    expect(outcome).toMatchObject({ kind: "rejected", code: "vendor_name_taken" });
  });

  it("two projects may each have commitment SC-001: each gets its own purchase order", async () => {
    done(await exportPo(request()));
    done(
      await exportPo(
        request({
          submissionId: "sub-9",
          commitment: { ...request().commitment, id: "cmt-9" },
          project: { number: "2024-018", name: "Dockside Lofts", parentCustomerName: SEED_PARENT_CUSTOMER },
        }),
      ),
    );
    const all = await purchaseOrders();
    expect(all.map((p) => p.DocNumber)).toEqual(["SC-001", "SC-001"]);
  });

  it("a second export of another commitment reuses what the cache learned (≤ 4 calls)", async () => {
    done(await exportPo(request()));
    await calls();
    const previous = null as ErpPurchaseOrderRef | null;
    done(
      await exportPo(
        request({
          submissionId: "sub-3",
          previous,
          commitment: { id: "cmt-3", number: "SC-002", title: "Painting", kind: "subcontract" },
        }),
      ),
    );
    const counts = await calls();
    console.info(
      `second commitment of the same project and vendor: ${counts.reads} reads, ${counts.writes} writes`,
    );
    expect(counts.reads + counts.writes).toBeLessThanOrEqual(4);
  });
});

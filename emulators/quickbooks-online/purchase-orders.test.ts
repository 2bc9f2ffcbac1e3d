import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AnyJson, faultCode, type Harness, json, startHarness } from "./test-support.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const CONCRETE_ITEM = "3";
const PAINTING_ITEM = "4";
const COGS_ACCOUNT = "3";
const JOB = "4";
const SEEDED_VENDOR_NAME = "Concrete Supply Co";

async function post(path: string, body: unknown): Promise<{ status: number; body: AnyJson }> {
  const response = await h.api("POST", `${path}${path.includes("?") ? "&" : "?"}minorversion=75`, body);
  return { status: response.status, body: await json(response) };
}

async function get(path: string): Promise<{ status: number; body: AnyJson }> {
  const response = await h.api("GET", path);
  return { status: response.status, body: await json(response) };
}

async function query(text: string): Promise<AnyJson> {
  const answer = await get(`/query?query=${encodeURIComponent(text)}`);
  expect(answer.status).toBe(200);
  return answer.body.QueryResponse;
}

let vendorCounter = 0;
async function createVendor(extra: AnyJson = {}): Promise<AnyJson> {
  vendorCounter += 1;
  const created = await post("/vendor", { DisplayName: `Drywall Partners ${vendorCounter}`, ...extra });
  expect(created.status).toBe(200);
  return created.body.Vendor;
}

/** An item QuickBooks lets us buy: it has an expense account. */
async function purchasableItem(name: string): Promise<AnyJson> {
  const created = await post("/item", {
    Name: name,
    Type: "Service",
    IncomeAccountRef: { value: "1" },
    ExpenseAccountRef: { value: COGS_ACCOUNT },
    PurchaseCost: 0,
  });
  expect(created.status).toBe(200);
  return created.body.Item;
}

function itemLine(itemId: string, amount: number, extra: AnyJson = {}) {
  return {
    DetailType: "ItemBasedExpenseLineDetail",
    Amount: amount,
    Description: "09-250 Drywall · Subcontract",
    ItemBasedExpenseLineDetail: {
      ItemRef: { value: itemId },
      CustomerRef: { value: JOB },
      BillableStatus: "NotBillable",
      Qty: 1,
      UnitPrice: amount,
    },
    ...extra,
  };
}

describe("vendors", () => {
  it("creates a vendor with contact details and finds it by DisplayName", async () => {
    const vendor = await createVendor({
      CompanyName: "Drywall Partners LLC",
      PrimaryEmailAddr: { Address: "office@drywall.example" },
      PrimaryPhone: { FreeFormNumber: "(555) 010-2000" },
      BillAddr: {
        Line1: "5 Mill Road",
        City: "Springfield",
        CountrySubDivisionCode: "CA",
        PostalCode: "94002",
      },
    });
    expect(vendor).toMatchObject({ SyncToken: "0", Active: true, PrintOnCheckName: "Drywall Partners LLC" });
    const found = await query(`select * from Vendor where DisplayName = '${vendor.DisplayName}'`);
    expect(found.Vendor.map((v: AnyJson) => v.Id)).toEqual([vendor.Id]);
  });

  it("refuses a DisplayName a customer, vendor or employee already uses (6240)", async () => {
    for (const name of ["Smith Residence", SEEDED_VENDOR_NAME, "pat foreman"]) {
      const answer = await post("/vendor", { DisplayName: name });
      expect(answer.status).toBe(400);
      expect(faultCode(answer.body)).toBe("6240");
    }
    const customer = await post("/customer", { DisplayName: SEEDED_VENDOR_NAME });
    expect(faultCode(customer.body)).toBe("6240");
  });

  it("needs a DisplayName or a person's name, and holds Intuit's lengths", async () => {
    expect(faultCode((await post("/vendor", { CompanyName: "No Name" })).body)).toBe("2020");
    const composed = await post("/vendor", { GivenName: "Ana", FamilyName: "Ruiz" });
    expect(composed.body.Vendor.DisplayName).toBe("Ana Ruiz");
    const long = await post("/vendor", { DisplayName: "x".repeat(501) });
    expect(faultCode(long.body)).toBe("2050");
    const phone = await post("/vendor", {
      DisplayName: "Phone Co",
      PrimaryPhone: { FreeFormNumber: "1".repeat(31) },
    });
    expect(faultCode(phone.body)).toBe("2050");
  });

  it("sparse-updates with the current SyncToken and refuses a stale one (5010)", async () => {
    const vendor = await createVendor();
    const updated = await post("/vendor", { Id: vendor.Id, SyncToken: "0", sparse: true, CompanyName: "DP" });
    expect(updated.body.Vendor).toMatchObject({
      SyncToken: "1",
      CompanyName: "DP",
      DisplayName: vendor.DisplayName,
    });
    const stale = await post("/vendor", {
      Id: vendor.Id,
      SyncToken: "0",
      sparse: true,
      CompanyName: "Other",
    });
    expect(faultCode(stale.body)).toBe("5010");
  });

  it("hides an inactive vendor from queries unless Active is asked about", async () => {
    const vendor = await createVendor();
    const off = await post("/vendor", { Id: vendor.Id, SyncToken: "0", sparse: true, Active: false });
    expect(off.body.Vendor.DisplayName).toBe(`${vendor.DisplayName} (deleted)`);
    expect(await query(`select * from Vendor where Id = '${vendor.Id}'`)).toEqual({});
    const all = await query(`select * from Vendor where Id = '${vendor.Id}' and Active IN (true, false)`);
    expect(all.Vendor).toHaveLength(1);
  });
});

describe("purchase orders", () => {
  it("creates a purchase order on a job with item lines; the A/P account is implied", async () => {
    const vendor = await createVendor();
    const item = await purchasableItem("09-250 Drywall");
    const created = await post("/purchaseorder", {
      VendorRef: { value: vendor.Id },
      DocNumber: "SC-001",
      POStatus: "Open",
      PrivateNote: "Costbridge commitment c1",
      Line: [itemLine(item.Id, 12500.5), itemLine(item.Id, 99.5)],
    });
    expect(created.status).toBe(200);
    const po = created.body.PurchaseOrder;
    expect(po).toMatchObject({
      SyncToken: "0",
      DocNumber: "SC-001",
      POStatus: "Open",
      TotalAmt: 12600,
      VendorRef: { value: vendor.Id, name: vendor.DisplayName },
      APAccountRef: { name: "Accounts Payable (A/P)" },
    });
    expect(po.Line.map((l: AnyJson) => l.Id)).toEqual(["1", "2"]);
    expect(po.Line[0].ItemBasedExpenseLineDetail).toMatchObject({
      CustomerRef: { value: JOB, name: "Riverside Office Park:Riverside Phase 1" },
      BillableStatus: "NotBillable",
    });
    const read = await get(`/purchaseorder/${po.Id}`);
    expect(read.body.PurchaseOrder.TotalAmt).toBe(12600);
    const byNumber = await query("select * from PurchaseOrder where DocNumber = 'SC-001'");
    expect(byNumber.PurchaseOrder.map((p: AnyJson) => p.Id)).toEqual([po.Id]);
  });

  it("refuses an item without an expense account: 'You must select an account for this transaction.'", async () => {
    const vendor = await createVendor();
    const answer = await post("/purchaseorder", {
      VendorRef: { value: vendor.Id },
      Line: [itemLine(CONCRETE_ITEM, 10)],
    });
    expect(answer.status).toBe(400);
    expect(faultCode(answer.body)).toBe("6000");
    expect(answer.body.Fault.Error[0].Detail).toContain("You must select an account for this transaction.");
    // Adding the expense account (sparse) makes the item usable on purchases.
    const item = (await get(`/item/${PAINTING_ITEM}`)).body.Item;
    const updated = await post("/item", {
      Id: item.Id,
      SyncToken: item.SyncToken,
      sparse: true,
      ExpenseAccountRef: { value: COGS_ACCOUNT },
      PurchaseCost: 0,
    });
    expect(updated.body.Item.ExpenseAccountRef).toEqual({ value: COGS_ACCOUNT, name: "Cost of Goods Sold" });
    const ok = await post("/purchaseorder", {
      VendorRef: { value: vendor.Id },
      Line: [itemLine(PAINTING_ITEM, 10)],
    });
    expect(ok.status).toBe(200);
  });

  it("needs an expense account on an item given purchase information (2020)", async () => {
    const answer = await post("/item", {
      Name: "Purchase info only",
      Type: "Service",
      IncomeAccountRef: { value: "1" },
      PurchaseCost: 5,
    });
    expect(faultCode(answer.body)).toBe("2020");
    expect(answer.body.Fault.Error[0].element).toBe("ExpenseAccountRef");
  });

  it("refuses an income account as an item's expense account", async () => {
    const answer = await post("/item", {
      Name: "Wrong account",
      Type: "Service",
      IncomeAccountRef: { value: "1" },
      ExpenseAccountRef: { value: "1" },
    });
    expect(faultCode(answer.body)).toBe("6000");
  });

  it("requires a vendor, refuses an unknown one (2500) and an inactive one (610)", async () => {
    const item = await purchasableItem("Vendor checks");
    expect(faultCode((await post("/purchaseorder", { Line: [itemLine(item.Id, 1)] })).body)).toBe("2020");
    const unknown = await post("/purchaseorder", {
      VendorRef: { value: "999" },
      Line: [itemLine(item.Id, 1)],
    });
    expect(faultCode(unknown.body)).toBe("2500");
    const vendor = await createVendor();
    await post("/vendor", { Id: vendor.Id, SyncToken: "0", sparse: true, Active: false });
    const inactive = await post("/purchaseorder", {
      VendorRef: { value: vendor.Id },
      Line: [itemLine(item.Id, 1)],
    });
    expect(faultCode(inactive.body)).toBe("610");
    expect(inactive.body.Fault.Error[0].element).toBe("VendorRef");
  });

  it("refuses an inactive item on a line (610) and bad values (2170, 2050)", async () => {
    const vendor = await createVendor();
    const item = await purchasableItem("Soon inactive");
    await post("/item", { Id: item.Id, SyncToken: "0", sparse: true, Active: false });
    const inactive = await post("/purchaseorder", {
      VendorRef: { value: vendor.Id },
      Line: [itemLine(item.Id, 1)],
    });
    expect(faultCode(inactive.body)).toBe("610");
    const usable = await purchasableItem("Usable");
    const status = await post("/purchaseorder", {
      VendorRef: { value: vendor.Id },
      POStatus: "Pending",
      Line: [itemLine(usable.Id, 1)],
    });
    expect(faultCode(status.body)).toBe("2170");
    const number = await post("/purchaseorder", {
      VendorRef: { value: vendor.Id },
      DocNumber: "x".repeat(22),
      Line: [itemLine(usable.Id, 1)],
    });
    expect(faultCode(number.body)).toBe("2050");
  });

  it("refuses a duplicate DocNumber (6140) unless include=allowduplicatedocnum", async () => {
    const vendor = await createVendor();
    const item = await purchasableItem("Numbers");
    const body = { VendorRef: { value: vendor.Id }, DocNumber: "PO-77", Line: [itemLine(item.Id, 5)] };
    expect((await post("/purchaseorder", body)).status).toBe(200);
    expect(faultCode((await post("/purchaseorder", body)).body)).toBe("6140");
    expect((await post("/purchaseorder?include=allowduplicatedocnum", body)).status).toBe(200);
  });

  it("sparse update keeps the Ids of lines sent with their Id and numbers new lines after them", async () => {
    const vendor = await createVendor();
    const item = await purchasableItem("Change orders");
    const created = (
      await post("/purchaseorder", {
        VendorRef: { value: vendor.Id },
        DocNumber: "SC-CO",
        Memo: "For the vendor",
        Line: [itemLine(item.Id, 100), itemLine(item.Id, 200)],
      })
    ).body.PurchaseOrder;
    const updated = await post("/purchaseorder", {
      Id: created.Id,
      SyncToken: created.SyncToken,
      sparse: true,
      Line: [itemLine(item.Id, 150, { Id: "2" }), itemLine(item.Id, 100, { Id: "1" }), itemLine(item.Id, 40)],
    });
    expect(updated.status).toBe(200);
    const po = updated.body.PurchaseOrder;
    expect(po.Line.map((l: AnyJson) => [l.Id, l.Amount])).toEqual([
      ["2", 150],
      ["1", 100],
      ["3", 40],
    ]);
    expect(po).toMatchObject({ SyncToken: "1", TotalAmt: 290, Memo: "For the vendor", DocNumber: "SC-CO" });
    const stale = await post("/purchaseorder", {
      Id: created.Id,
      SyncToken: created.SyncToken,
      sparse: true,
      Line: [itemLine(item.Id, 1)],
    });
    expect(faultCode(stale.body)).toBe("5010");
  });

  it("deletes a purchase order; reading it afterwards answers 610", async () => {
    const vendor = await createVendor();
    const item = await purchasableItem("Deleted PO item");
    const po = (
      await post("/purchaseorder", { VendorRef: { value: vendor.Id }, Line: [itemLine(item.Id, 3)] })
    ).body.PurchaseOrder;
    const deleted = await post("/purchaseorder?operation=delete", { Id: po.Id, SyncToken: po.SyncToken });
    expect(deleted.body.PurchaseOrder).toMatchObject({ status: "Deleted", Id: po.Id });
    expect(faultCode((await get(`/purchaseorder/${po.Id}`)).body)).toBe("610");
  });

  it("reports vendors and purchase orders in change data capture and counts their calls", async () => {
    await h.control("DELETE", `/calls/${h.realmId}`);
    const since = new Date(Date.now() - 1000).toISOString();
    const vendor = await createVendor();
    const item = await purchasableItem("CDC item");
    const po = (
      await post("/purchaseorder", { VendorRef: { value: vendor.Id }, Line: [itemLine(item.Id, 8)] })
    ).body.PurchaseOrder;
    const cdc = await get(`/cdc?entities=Vendor,PurchaseOrder&changedSince=${encodeURIComponent(since)}`);
    const parts = cdc.body.CDCResponse[0].QueryResponse;
    expect(parts[0].Vendor.some((v: AnyJson) => v.Id === vendor.Id)).toBe(true);
    expect(parts[1].PurchaseOrder.some((p: AnyJson) => p.Id === po.Id)).toBe(true);
    const calls = await json(await h.control("GET", `/calls/${h.realmId}`));
    expect(calls).toMatchObject({ reads: 1, writes: 3 });
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AnyJson, faultCode, type Harness, json, startHarness } from "./test-support.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const LABOR_CLASS = "5000000000000001";
const CONCRETE_ITEM = "3";
const INCOME_ACCOUNT = "1";

async function post(path: string, body: unknown): Promise<{ status: number; body: AnyJson }> {
  const response = await h.api("POST", `${path}${path.includes("?") ? "&" : "?"}minorversion=75`, body);
  return { status: response.status, body: await json(response) };
}

async function get(path: string): Promise<{ status: number; body: AnyJson }> {
  const response = await h.api("GET", path);
  return { status: response.status, body: await json(response) };
}

let jobCounter = 0;
async function createJob(): Promise<AnyJson> {
  jobCounter += 1;
  const created = await post("/customer", {
    DisplayName: `Job ${jobCounter}`,
    Job: true,
    ParentRef: { value: "1" },
  });
  expect(created.status).toBe(200);
  return created.body.Customer;
}

function salesLine(amount: number, extra: AnyJson = {}) {
  return {
    DetailType: "SalesItemLineDetail",
    Amount: amount,
    Description: "03-300 Labor",
    SalesItemLineDetail: {
      ItemRef: { value: CONCRETE_ITEM },
      ClassRef: { value: LABOR_CLASS },
      Qty: 1,
      UnitPrice: amount,
      TaxCodeRef: { value: "NON" },
      ...extra,
    },
  };
}

describe("customers and jobs", () => {
  it("creates a job under a parent with FullyQualifiedName Parent:Job and Level 1", async () => {
    const created = await post("/customer", {
      DisplayName: "Smith Remodel",
      Job: true,
      BillWithParent: true,
      ParentRef: { value: "1" },
    });
    expect(created.status).toBe(200);
    expect(created.body.Customer).toMatchObject({
      DisplayName: "Smith Remodel",
      Job: true,
      BillWithParent: true,
      ParentRef: { value: "1" },
      Level: 1,
      FullyQualifiedName: "Acme Builders Jobs:Smith Remodel",
      Active: true,
      SyncToken: "0",
      domain: "QBO",
      sparse: false,
    });
    expect(created.body.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
  });

  it("refuses a duplicate DisplayName (case-insensitive, vendors and employees included) with 6240", async () => {
    const dup = await post("/customer", { DisplayName: "smith residence" });
    expect(dup.status).toBe(400);
    expect(dup.body.Fault.type).toBe("ValidationFault");
    expect(dup.body.Fault.Error[0]).toMatchObject({ code: "6240", Message: "Duplicate Name Exists Error" });
    expect(dup.body.Fault.Error[0].Detail).toContain(
      "Another customer, vendor or employee is already using this name",
    );
    expect(faultCode((await post("/customer", { DisplayName: "Pat Foreman" })).body)).toBe("6240");
  });

  it("requires ParentRef for a job and a parent that exists", async () => {
    const noParent = await post("/customer", { DisplayName: "Orphan", Job: true });
    expect(noParent.body.Fault.Error[0]).toMatchObject({ code: "2020", element: "ParentRef" });
    const missingParent = await post("/customer", {
      DisplayName: "Orphan",
      Job: true,
      ParentRef: { value: "999" },
    });
    expect(missingParent.body.Fault.Error[0]).toMatchObject({
      code: "2500",
      Detail: "Invalid Reference Id : Names element id 999 not found",
    });
  });

  it("renames a parent and carries the new name into its jobs", async () => {
    const parent = (await post("/customer", { DisplayName: "Old Parent" })).body.Customer;
    const job = (await post("/customer", { DisplayName: "Child Job", ParentRef: { value: parent.Id } })).body
      .Customer;
    await post("/customer", {
      Id: parent.Id,
      SyncToken: parent.SyncToken,
      sparse: true,
      DisplayName: "New Parent",
    });
    const reread = await get(`/customer/${job.Id}`);
    expect(reread.body.Customer.FullyQualifiedName).toBe("New Parent:Child Job");
  });

  it("marks a deactivated customer '(deleted)', hides it from default queries and frees its name", async () => {
    const created = (await post("/customer", { DisplayName: "Short Lived" })).body.Customer;
    const off = await post("/customer", {
      Id: created.Id,
      SyncToken: created.SyncToken,
      sparse: true,
      Active: false,
    });
    expect(off.body.Customer.DisplayName).toBe("Short Lived (deleted)");
    const query = await get(
      `/query?query=${encodeURIComponent("select * from Customer where DisplayName like 'Short Lived%'")}`,
    );
    expect(query.body.QueryResponse).toEqual({});
    expect((await post("/customer", { DisplayName: "Short Lived" })).status).toBe(200);
  });
});

describe("items, classes and accounts", () => {
  it("creates a Service item with its income account", async () => {
    const created = await post("/item", {
      Name: "05-100 Structural steel",
      Sku: "05-100",
      Type: "Service",
      IncomeAccountRef: { value: INCOME_ACCOUNT },
    });
    expect(created.status).toBe(200);
    expect(created.body.Item).toMatchObject({
      Name: "05-100 Structural steel",
      FullyQualifiedName: "05-100 Structural steel",
      Type: "Service",
      IncomeAccountRef: { value: INCOME_ACCOUNT, name: "Construction Income" },
      Active: true,
    });
  });

  it("requires IncomeAccountRef for a Service item and a unique name", async () => {
    expect((await post("/item", { Name: "No Account", Type: "Service" })).body.Fault.Error[0]).toMatchObject({
      code: "2020",
      element: "IncomeAccountRef",
    });
    const dup = await post("/item", {
      Name: "03-300 CAST-IN-PLACE CONCRETE",
      Type: "Service",
      IncomeAccountRef: { value: INCOME_ACCOUNT },
    });
    expect(faultCode(dup.body)).toBe("6240");
    const badAccount = await post("/item", {
      Name: "Bad Account",
      Type: "Service",
      IncomeAccountRef: { value: "999" },
    });
    expect(badAccount.body.Fault.Error[0].Detail).toBe(
      "Invalid Reference Id : Accounts element id 999 not found",
    );
  });

  it("reads seeded classes and accounts and refuses to delete a name-list entry", async () => {
    expect((await get(`/class/${LABOR_CLASS}`)).body.Class).toMatchObject({
      Name: "Labor",
      FullyQualifiedName: "Labor",
    });
    expect((await get(`/account/${INCOME_ACCOUNT}`)).body.Account).toMatchObject({
      AccountType: "Income",
      Classification: "Revenue",
    });
    const del = await post("/customer?operation=delete", { Id: "2", SyncToken: "0" });
    expect(del.status).toBe(400);
    expect(del.body.Fault.Error[0]).toMatchObject({ code: "500", Message: "Unsupported Operation" });
  });

  it("answers 610 for an id that does not exist", async () => {
    const missing = await get("/item/4242");
    expect(missing.status).toBe(400);
    expect(missing.body.Fault.Error[0]).toMatchObject({ code: "610", Message: "Object Not Found" });
  });
});

describe("estimates", () => {
  it("creates an estimate with server-assigned line ids, a subtotal line, totals and Pending status", async () => {
    const job = await createJob();
    const created = await post("/estimate", {
      CustomerRef: { value: job.Id },
      DocNumber: "BUD4812-R3",
      PrivateNote: "Budget 4812 rev 3",
      TxnDate: "2026-03-02",
      Line: [
        { DetailType: "DescriptionOnly", Description: "Division 03 - Concrete", DescriptionLineDetail: {} },
        salesLine(125000),
        salesLine(80000.55, { ClassRef: { value: "5000000000000002" } }),
      ],
    });
    expect(created.status).toBe(200);
    const estimate = created.body.Estimate;
    expect(estimate).toMatchObject({
      SyncToken: "0",
      TxnStatus: "Pending",
      DocNumber: "BUD4812-R3",
      TxnDate: "2026-03-02",
      PrivateNote: "Budget 4812 rev 3",
      CustomerRef: { value: job.Id, name: job.DisplayName },
      TotalAmt: 205000.55,
      TxnTaxDetail: { TotalTax: 0 },
      PrintStatus: "NotSet",
      EmailStatus: "NotSet",
    });
    expect(estimate.Line.map((line: AnyJson) => [line.Id, line.LineNum, line.DetailType])).toEqual([
      ["1", 1, "DescriptionOnly"],
      ["2", 2, "SalesItemLineDetail"],
      ["3", 3, "SalesItemLineDetail"],
      [undefined, undefined, "SubTotalLineDetail"],
    ]);
    expect(estimate.Line[2].SalesItemLineDetail.ClassRef).toEqual({
      value: "5000000000000002",
      name: "Material",
    });
    expect(estimate.Line[3].Amount).toBe(205000.55);
    expect((await get(`/estimate/${estimate.Id}`)).body.Estimate).toEqual(estimate);
  });

  it("auto-numbers DocNumber when none is sent and defaults TxnDate to today", async () => {
    const job = await createJob();
    const first = (await post("/estimate", { CustomerRef: { value: job.Id }, Line: [salesLine(10)] })).body
      .Estimate;
    const second = (await post("/estimate", { CustomerRef: { value: job.Id }, Line: [salesLine(10)] })).body
      .Estimate;
    expect(Number(second.DocNumber)).toBe(Number(first.DocNumber) + 1);
    expect(first.TxnDate).toMatch(/^\d{4}-\d\d-\d\d$/);
  });

  it("applies a sparse update: sent fields change, Line is replaced, SyncToken increments", async () => {
    const job = await createJob();
    const created = (
      await post("/estimate", {
        CustomerRef: { value: job.Id },
        PrivateNote: "keep me",
        Line: [salesLine(100), salesLine(200)],
      })
    ).body.Estimate;
    const updated = await post("/estimate", {
      Id: created.Id,
      SyncToken: created.SyncToken,
      sparse: true,
      DocNumber: "R4",
      Line: [salesLine(131.5)],
    });
    expect(updated.status).toBe(200);
    expect(updated.body.Estimate).toMatchObject({
      SyncToken: "1",
      DocNumber: "R4",
      PrivateNote: "keep me",
      TotalAmt: 131.5,
    });
    expect(updated.body.Estimate.Line).toHaveLength(2);
    expect(updated.body.Estimate.MetaData.CreateTime).toBe(created.MetaData.CreateTime);
  });

  it("applies a full update: omitted writable fields are cleared", async () => {
    const job = await createJob();
    const created = (
      await post("/estimate", {
        CustomerRef: { value: job.Id },
        PrivateNote: "drop me",
        Line: [salesLine(100)],
      })
    ).body.Estimate;
    const updated = await post("/estimate", {
      Id: created.Id,
      SyncToken: "0",
      CustomerRef: { value: job.Id },
      Line: [salesLine(50)],
    });
    expect(updated.body.Estimate.PrivateNote).toBeUndefined();
    expect(updated.body.Estimate.TotalAmt).toBe(50);
    expect(updated.body.Estimate.SyncToken).toBe("1");
  });

  it("refuses an update with a stale SyncToken with 5010", async () => {
    const job = await createJob();
    const created = (await post("/estimate", { CustomerRef: { value: job.Id }, Line: [salesLine(100)] })).body
      .Estimate;
    await post("/estimate", { Id: created.Id, SyncToken: "0", sparse: true, PrivateNote: "first" });
    const stale = await post("/estimate", {
      Id: created.Id,
      SyncToken: "0",
      sparse: true,
      PrivateNote: "second",
    });
    expect(stale.status).toBe(400);
    expect(stale.body.Fault).toEqual({
      Error: [
        {
          Message: "Stale Object Error",
          Detail:
            "Stale Object Error : You and API API were working on this at the same time. API API finished before you did, so your work was not saved.",
          code: "5010",
          element: "",
        },
      ],
      type: "ValidationFault",
    });
    expect((await get(`/estimate/${created.Id}`)).body.Estimate.PrivateNote).toBe("first");
  });

  it("deletes with operation=delete; a later read says the transaction was deleted", async () => {
    const job = await createJob();
    const created = (await post("/estimate", { CustomerRef: { value: job.Id }, Line: [salesLine(100)] })).body
      .Estimate;
    expect(
      faultCode((await post("/estimate?operation=delete", { Id: created.Id, SyncToken: "7" })).body),
    ).toBe("5010");
    const deleted = await post("/estimate?operation=delete", { Id: created.Id, SyncToken: "0" });
    expect(deleted.body.Estimate).toEqual({ status: "Deleted", domain: "QBO", Id: created.Id });
    const read = await get(`/estimate/${created.Id}`);
    expect(read.body.Fault.Error[0]).toMatchObject({
      code: "610",
      Detail: "Object Not Found : Another user has deleted this transaction.",
    });
  });

  it("validates required fields, references and lengths with the documented codes", async () => {
    const job = await createJob();
    const noCustomer = await post("/estimate", { Line: [salesLine(1)] });
    expect(noCustomer.body.Fault.Error[0]).toMatchObject({ code: "6000", element: "CustomerRef" });
    const noLines = await post("/estimate", { CustomerRef: { value: job.Id }, Line: [] });
    expect(noLines.body.Fault.Error[0]).toMatchObject({
      code: "2020",
      Detail: "Required parameter Line is missing in the request",
    });
    const badItem = await post("/estimate", {
      CustomerRef: { value: job.Id },
      Line: [salesLine(1, { ItemRef: { value: "777" } })],
    });
    expect(badItem.body.Fault.Error[0]).toMatchObject({
      code: "2500",
      Detail: "Invalid Reference Id : Items element id 777 not found",
    });
    const badClass = await post("/estimate", {
      CustomerRef: { value: job.Id },
      Line: [salesLine(1, { ClassRef: { value: "12" } })],
    });
    expect(badClass.body.Fault.Error[0].Detail).toBe(
      "Invalid Reference Id : Klasses element id 12 not found",
    );
    const category = await post("/estimate", {
      CustomerRef: { value: job.Id },
      Line: [salesLine(1, { ItemRef: { value: "5" } })],
    });
    expect(category.body.Fault.Error[0].Detail).toContain("set up as a category");
    const longDoc = await post("/estimate", {
      CustomerRef: { value: job.Id },
      DocNumber: "X".repeat(22),
      Line: [salesLine(1)],
    });
    expect(longDoc.body.Fault.Error[0]).toMatchObject({ code: "2050", element: "DocNumber" });
    const mismatch = await post("/estimate", {
      CustomerRef: { value: job.Id },
      Line: [salesLine(10, { Qty: 2, UnitPrice: 4 })],
    });
    expect(faultCode(mismatch.body)).toBe("6000");
    const unknownField = await post("/estimate", {
      CustomerRef: { value: job.Id },
      Line: [salesLine(1)],
      Colour: "red",
    });
    expect(unknownField.body.Fault.Error[0]).toMatchObject({
      code: "2010",
      Detail: 'Property Name:Unrecognized field "Colour" specified value is not supported',
    });
    const status = await post("/estimate", {
      CustomerRef: { value: job.Id },
      Line: [salesLine(1)],
      TxnStatus: "Maybe",
    });
    expect(faultCode(status.body)).toBe("2170");
  });

  it("refuses a reference to an inactive customer with 610", async () => {
    const job = await createJob();
    await post("/customer", { Id: job.Id, SyncToken: job.SyncToken, sparse: true, Active: false });
    const response = await post("/estimate", { CustomerRef: { value: job.Id }, Line: [salesLine(1)] });
    expect(response.body.Fault.Error[0]).toMatchObject({ code: "610", element: "CustomerRef" });
  });

  it("ignores read-only fields a client echoes back", async () => {
    const job = await createJob();
    const created = (await post("/estimate", { CustomerRef: { value: job.Id }, Line: [salesLine(40)] })).body
      .Estimate;
    const echoed = await post("/estimate", { ...created, TotalAmt: 1, sparse: true });
    expect(echoed.status).toBe(200);
    expect(echoed.body.Estimate.TotalAmt).toBe(40);
  });
});

describe("request handling", () => {
  it("answers in XML when the client does not ask for JSON", async () => {
    const response = await h.api("GET", `/item/${CONCRETE_ITEM}`, undefined, { accept: "*/*" });
    expect(response.headers.get("content-type")).toMatch(/application\/xml/);
    const text = await response.text();
    expect(text).toContain('<IntuitResponse xmlns="http://schema.intuit.com/finance/v3"');
    expect(text).toContain('<Item domain="QBO" sparse="false">');
    expect(text).toContain('<IncomeAccountRef name="Construction Income">1</IncomeAccountRef>');
  });

  it("accepts any integer minorversion but refuses garbage", async () => {
    expect((await h.api("GET", "/item/3?minorversion=4")).status).toBe(200);
    expect((await h.api("GET", "/item/3?minorversion=999")).status).toBe(200);
    const bad = await h.api("GET", "/item/3?minorversion=abc");
    expect(bad.status).toBe(400);
    expect(faultCode(await json(bad))).toBe("2010");
  });

  it("puts intuit_tid on every response", async () => {
    expect((await h.api("GET", "/item/3")).headers.get("intuit_tid")).toMatch(/^1-/);
  });

  it("replays the stored response for a repeated requestid without executing again", async () => {
    const job = await createJob();
    const body = { CustomerRef: { value: job.Id }, Line: [salesLine(99)] };
    const first = await h.api("POST", "/estimate?requestid=create-1&minorversion=75", body);
    const firstText = await first.text();
    const second = await h.api("POST", "/estimate?requestid=create-1&minorversion=75", {
      ...body,
      PrivateNote: "changed",
    });
    expect(second.status).toBe(200);
    expect(await second.text()).toBe(firstText);
    const count = await json(
      await h.api(
        "GET",
        `/query?query=${encodeURIComponent(`select count(*) from Estimate where CustomerRef = '${job.Id}'`)}`,
      ),
    );
    expect(count.QueryResponse.totalCount).toBe(1);
    const log = await json(await h.control("GET", "/requests?method=POST&path=/estimate$"));
    const entries = log.items.filter((entry: AnyJson) => entry.requestid === "create-1");
    expect(entries.map((entry: AnyJson) => entry.replayed)).toEqual([false, true]);
  });

  it("replays a failed first attempt too, and keeps requestids per realm", async () => {
    const bad = { CustomerRef: { value: "999" }, Line: [salesLine(1)] };
    const first = await h.api("POST", "/estimate?requestid=fails-1", bad);
    expect(first.status).toBe(400);
    const job = await createJob();
    const second = await h.api("POST", "/estimate?requestid=fails-1", {
      CustomerRef: { value: job.Id },
      Line: [salesLine(1)],
    });
    expect(second.status).toBe(400);

    const other = await json(
      await h.control("POST", "/tokens/issue", {
        realmId: (await json(await h.control("POST", "/realms"))).realmId,
      }),
    );
    const elsewhere = await fetch(`${h.url}/v3/company/${other.realmId}/estimate?requestid=fails-1`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${other.access_token}`,
        accept: "application/json",
        "content-type": "application/json",
      },
      body: JSON.stringify({ CustomerRef: { value: "2" }, Line: [salesLine(1)] }),
    });
    expect(elsewhere.status).toBe(200);
  });

  it("refuses a requestid longer than 50 characters", async () => {
    const response = await h.api("POST", `/estimate?requestid=${"r".repeat(51)}`, {});
    expect(response.status).toBe(400);
    expect(faultCode(await json(response))).toBe("2050");
  });

  it("answers Unsupported Operation for entities it does not model", async () => {
    const response = await h.api("POST", "/invoice", { Line: [] });
    expect(response.status).toBe(400);
    expect(faultCode(await json(response))).toBe("500");
  });

  it("serves companyinfo and preferences", async () => {
    const info = await get(`/companyinfo/${h.realmId}`);
    expect(info.body.CompanyInfo.NameValue).toContainEqual({
      Name: "SubscriptionStatus",
      Value: "SUBSCRIBED",
    });
    const prefs = await get("/preferences");
    expect(prefs.body.Preferences.SalesFormsPrefs.AllowEstimates).toBe(true);
    expect(prefs.body.Preferences.AccountingInfoPrefs.ClassTrackingPerTxnLine).toBe(true);
  });

  it("answers JSON bodies that are not JSON with a validation fault", async () => {
    const response = await h.api("POST", "/estimate", "{not json");
    expect(response.status).toBe(400);
    expect(faultCode(await json(response))).toBe("2010");
  });
});

describe("batch", () => {
  it("runs items in order, answering each by bId with item-level faults", async () => {
    const job = await createJob();
    const response = await h.api("POST", "/batch", {
      BatchItemRequest: [
        {
          bId: "1",
          operation: "create",
          Estimate: { CustomerRef: { value: job.Id }, Line: [salesLine(10)] },
        },
        { bId: "2", Query: "select * from Item where Name = '09-900 Painting'" },
        { bId: "3", operation: "create", Customer: { DisplayName: "Smith Residence" } },
      ],
    });
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body.BatchItemResponse[0].bId).toBe("1");
    expect(body.BatchItemResponse[0].Estimate.TotalAmt).toBe(10);
    expect(body.BatchItemResponse[1].QueryResponse.Item[0].Sku).toBe("09-900");
    expect(body.BatchItemResponse[2]).toMatchObject({ bId: "3", Fault: { type: "ValidationFault" } });
    expect(body.BatchItemResponse[2].Fault.Error[0].code).toBe("6240");
  });

  it("refuses more than 30 items", async () => {
    const items = Array.from({ length: 31 }, (_, i) => ({ bId: String(i), Query: "select * from Class" }));
    const response = await h.api("POST", "/batch", { BatchItemRequest: items });
    expect(response.status).toBe(400);
    expect(faultCode(await json(response))).toBe("1040");
    const thirty = await h.api("POST", "/batch", { BatchItemRequest: items.slice(0, 30) });
    expect(thirty.status).toBe(200);
  });
});

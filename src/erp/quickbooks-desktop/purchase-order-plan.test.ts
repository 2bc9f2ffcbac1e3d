import { describe, expect, it } from "vitest";
import { MINIMAL_COMPANY_SEED, QbdCompany } from "../../../emulators/quickbooks-desktop/index.js";
import type { PurchaseOrderOutcome } from "../connector.js";
import type { PlanContext, Step, StepState } from "./plan.js";
import { phaseAfterLostAnswer } from "./plan.js";
import {
  applyPurchaseOrderResponse,
  buildPurchaseOrderStepRequest,
  checkPurchaseOrderPlan,
  commitmentIdInMemo,
  type PurchaseOrderPlanRequest,
  planPurchaseOrderSteps,
  purchaseOrderDoneOutcome,
} from "./purchase-order-plan.js";
import {
  parseQbxmlResponses,
  purchaseOrderAdd,
  purchaseOrderMod,
  qbxmlDocument,
  vendorAdd,
} from "./qbxml.js";
import { checkQbxmlRequest } from "./rules.js";

function request(over: Partial<PurchaseOrderPlanRequest> = {}): PurchaseOrderPlanRequest {
  return {
    document: "purchase_order",
    submissionId: "sub_1",
    attempt: 1,
    project: {
      number: "1001",
      name: "Mill Creek Bridge",
      existingJobRef: null,
      parentCustomerName: "Builders Jobs",
      parentCustomerRef: null,
    },
    commitment: { id: "cmt_1", number: "SC-001", title: "Drywall & <finishes>", kind: "subcontract" },
    vendor: {
      name: "Acme Drywall",
      existingVendorRef: null,
      contactName: "Dana Reyes",
      email: "ap@acme.test",
      phone: "555-0100",
      address: { line1: "1 Main St", city: "Springfield", region: "IL", postalCode: "62701", country: "US" },
    },
    lines: [
      {
        lineKey: "09-250|S",
        costCode: "09-250",
        costCodeDescription: "Gypsum Board",
        category: "S",
        categoryName: "Subcontract",
        description: "Hang & tape, levels 1–3",
        amount: "4820000",
        itemRef: null,
      },
      {
        lineKey: "09-250|M",
        costCode: "09-250",
        costCodeDescription: "Gypsum Board",
        category: "M",
        categoryName: "Material",
        description: "",
        amount: "1250050",
        itemRef: null,
      },
    ],
    createMissingItems: true,
    createMissingVendors: true,
    previous: null,
    useClasses: false,
    ...over,
  };
}

/**
 * Runs a plan against an emulated company file, one request at a time as the Web Connector carries them. `lose`
 * names request types whose answer is lost once (QuickBooks ran it; the step asks again as after a cut session).
 */
function drive(company: QbdCompany, req: PurchaseOrderPlanRequest, opts: { lose?: string[] } = {}) {
  const lose = new Set(opts.lose ?? []);
  let ctx: PlanContext = {};
  const types: string[] = [];
  for (const s of planPurchaseOrderSteps(req)) {
    let step: Step = { step: s.step, phase: s.phase, state: {} as StepState };
    for (let guard = 0; guard < 20; guard++) {
      const xml = buildPurchaseOrderStepRequest(req, ctx, step, `r${types.length}`);
      const ran = company.run(xml);
      if (!ran.ok) throw new Error(`${ran.hresult}: ${ran.message}\n${xml}`);
      const r = parseQbxmlResponses(ran.response)[0]!;
      types.push(r.type);
      if (lose.delete(r.type)) {
        step = { ...step, phase: phaseAfterLostAnswer(step) };
        continue;
      }
      const result = applyPurchaseOrderResponse(req, ctx, step, r);
      if (result.kind === "rejected" || result.kind === "retryable") return { outcome: result, types };
      ctx = result.context;
      if (result.kind === "done") break;
      step = { ...step, phase: result.phase, state: result.state };
    }
  }
  return { outcome: purchaseOrderDoneOutcome(req, ctx), types };
}

function doneRef(outcome: PurchaseOrderOutcome) {
  if (outcome.kind !== "done") throw new Error(`not done: ${JSON.stringify(outcome)}`);
  return outcome;
}

describe("the qbXML of vendors and purchase orders", () => {
  it("writes a PurchaseOrderAdd in schema order, escaped, that passes the request rules", () => {
    const xml = qbxmlDocument(
      purchaseOrderAdd("r1", {
        vendor: { listId: "V-1" },
        refNumber: "SC-001",
        memo: "Drywall & <finishes> · Costbridge commitment cmt_1",
        lines: [
          {
            item: { listId: "I-1" },
            description: 'Hang & tape "L1"',
            amount: "48200.00",
            customer: { listId: "J-1" },
            className: "Subcontract",
          },
        ],
      }),
    );
    expect(xml).toContain(
      "<PurchaseOrderAdd><VendorRef><ListID>V-1</ListID></VendorRef><RefNumber>SC-001</RefNumber><Memo>Drywall &amp; &lt;finishes&gt; · Costbridge commitment cmt_1</Memo>",
    );
    expect(xml).toContain(
      "<PurchaseOrderLineAdd><ItemRef><ListID>I-1</ListID></ItemRef><Desc>Hang &amp; tape &quot;L1&quot;</Desc><Quantity>1</Quantity><Rate>48200.00</Rate><ClassRef><FullName>Subcontract</FullName></ClassRef><Amount>48200.00</Amount><CustomerRef><ListID>J-1</ListID></CustomerRef></PurchaseOrderLineAdd>",
    );
    expect(checkQbxmlRequest(xml)).toEqual([]);
  });

  it("refuses a purchase-order line out of order and a reference number over 11 characters", () => {
    const good = qbxmlDocument(
      purchaseOrderAdd("r1", {
        vendor: { listId: "V-1" },
        refNumber: "SC-000000001",
        memo: "m",
        lines: [{ item: { listId: "I-1" }, description: "d", amount: "1.00", customer: { listId: "J-1" } }],
      }),
    );
    expect(checkQbxmlRequest(good).map((v) => [v.kind, v.element, v.max])).toEqual([
      ["too_long", "RefNumber", 11],
    ]);
    const swapped = good
      .replace("SC-000000001", "SC-1")
      .replace(
        "<Amount>1.00</Amount><CustomerRef><ListID>J-1</ListID></CustomerRef>",
        "<CustomerRef><ListID>J-1</ListID></CustomerRef><Amount>1.00</Amount>",
      );
    expect(checkQbxmlRequest(swapped).map((v) => [v.kind, v.element])).toEqual([["order", "Amount"]]);
  });

  it("writes a PurchaseOrderMod naming kept lines by TxnLineID, new ones with -1, and lines it keeps as they are", () => {
    const xml = qbxmlDocument(
      purchaseOrderMod(
        "r2",
        { txnId: "T-1", editSequence: "1700000001" },
        {
          memo: "m · Costbridge commitment cmt_1",
          lines: [
            {
              txnLineId: "L-1",
              line: {
                item: { listId: "I-1" },
                description: "d",
                amount: "5.00",
                customer: { listId: "J-1" },
              },
            },
            { txnLineId: "L-9", keep: true },
            {
              txnLineId: "-1",
              line: {
                item: { listId: "I-2" },
                description: "n",
                amount: "7.00",
                customer: { listId: "J-1" },
              },
            },
          ],
        },
      ),
    );
    expect(xml).toContain(
      "<PurchaseOrderMod><TxnID>T-1</TxnID><EditSequence>1700000001</EditSequence><Memo>",
    );
    expect(xml).toContain("<PurchaseOrderLineMod><TxnLineID>L-9</TxnLineID></PurchaseOrderLineMod>");
    expect(xml).toContain("<PurchaseOrderLineMod><TxnLineID>-1</TxnLineID><ItemRef><ListID>I-2</ListID>");
    expect(checkQbxmlRequest(xml)).toEqual([]);
  });

  it("writes a VendorAdd with the directory's details in schema order, and refuses a name over 41", () => {
    const xml = qbxmlDocument(
      vendorAdd("r3", {
        name: "Acme Drywall",
        companyName: "Acme Drywall",
        address: { addr1: "1 Main St", city: "Springfield", state: "IL", postalCode: "62701", country: "US" },
        phone: "555-0100",
        email: "ap@acme.test",
        contact: "Dana Reyes",
      }),
    );
    expect(xml).toContain(
      "<VendorAdd><Name>Acme Drywall</Name><CompanyName>Acme Drywall</CompanyName><VendorAddress><Addr1>1 Main St</Addr1><City>Springfield</City><State>IL</State><PostalCode>62701</PostalCode><Country>US</Country></VendorAddress><Phone>555-0100</Phone><Email>ap@acme.test</Email><Contact>Dana Reyes</Contact></VendorAdd>",
    );
    expect(checkQbxmlRequest(xml)).toEqual([]);
    const long = qbxmlDocument(vendorAdd("r4", { name: "x".repeat(42) }));
    expect(checkQbxmlRequest(long).map((v) => [v.kind, v.path])).toEqual([
      ["too_long", "QBXML/QBXMLMsgsRq/VendorAddRq/VendorAdd/Name"],
    ]);
  });
});

describe("every purchase-order request Costbridge sends to QuickBooks Desktop", () => {
  const VT = "\u000B";
  const dirty = request({
    commitment: {
      id: "cmt_1",
      number: `SC-${VT}001`,
      title: `Drywall${VT} & "finish"`,
      kind: "purchase_order",
    },
    vendor: {
      ...request().vendor,
      name: `Acme${VT} Drywall: East`,
      phone: `555${VT}0100`,
      email: "x".repeat(1100), // too long for QuickBooks: left out rather than cut
      address: {
        line1: `1 Main St${VT}`,
        city: "C".repeat(40),
        region: "IL",
        postalCode: "62701",
        country: "US",
      },
    },
    lines: [{ ...request().lines[0]!, description: `Hang${VT} & tape <L1>` }],
    useClasses: true,
  });
  const ctx: PlanContext = {
    parent: { listId: "P-1", fullName: "Builders Jobs", sublevel: 0 },
    job: { listId: "J-1", fullName: "Builders Jobs:Mill Creek Bridge", created: true },
    items: { "09-250": { listId: "I-1", fullName: "09-250", created: true } },
    vendor: { listId: "V-1", fullName: "Acme Drywall - East", created: false },
  };
  const state: StepState = {
    poTarget: {
      txnId: "T-1",
      editSequence: "100",
      vendorListId: "V-0",
      refNumber: "",
      memo: `Call first${VT}`,
      lines: [
        { txnLineId: "L-1", lineKey: "09-250|S" },
        { txnLineId: "L-2", lineKey: null },
      ],
    },
  };
  const steps: [string, string][] = [
    ["vendor", "query"],
    ["vendor", "query_ref"],
    ["vendor", "add"],
    ["purchase_order", "query_previous"],
    ["purchase_order", "query_txn"],
    ["purchase_order", "query_ref"],
    ["purchase_order", "add"],
    ["purchase_order", "mod"],
  ];
  it.each(steps)(
    "%s/%s is well-formed, in schema order, within the limits and run by QuickBooks",
    (step, phase) => {
      const req = {
        ...dirty,
        vendor: { ...dirty.vendor, existingVendorRef: phase === "query_ref" ? "V-1" : null },
        previous: {
          purchaseOrderId: "T-1",
          version: "1",
          vendorRef: "V-1",
          jobRef: "J-1",
          docNumber: "SC-001",
          lines: [],
        },
      };
      const xml = buildPurchaseOrderStepRequest(req, ctx, { step, phase, state }, `cb-${step}-${phase}`);
      expect(xml).not.toContain(VT);
      expect(checkQbxmlRequest(xml)).toEqual([]);
      expect(new QbdCompany({ seed: MINIMAL_COMPANY_SEED }).run(xml).ok).toBe(true);
    },
  );

  it("leaves out a vendor detail too long for QuickBooks instead of cutting it", () => {
    const xml = buildPurchaseOrderStepRequest(dirty, ctx, { step: "vendor", phase: "add", state: {} }, "r");
    expect(xml).toContain("<Name>Acme Drywall - East</Name>");
    expect(xml).toContain("<Phone>5550100</Phone>");
    expect(xml).not.toContain("<Email>");
    expect(xml).not.toContain("<City>");
    expect(xml).toContain("<Addr1>1 Main St</Addr1>");
  });
});

describe("a commitment as a QuickBooks Desktop plan", () => {
  it("refuses before anything is queued: no lines, a number over 11, a vendor name over 41, a negative line", () => {
    expect(checkPurchaseOrderPlan(request({ lines: [] }))?.code).toBe("no_lines");
    expect(
      checkPurchaseOrderPlan(request({ commitment: { ...request().commitment, number: "SC-2026-0001" } }))
        ?.code,
    ).toBe("po_number_too_long");
    expect(
      checkPurchaseOrderPlan(request({ vendor: { ...request().vendor, name: "V".repeat(42) } }))?.code,
    ).toBe("name_too_long");
    const linked = request({
      vendor: { ...request().vendor, name: "V".repeat(42), existingVendorRef: "V-1" },
    });
    expect(checkPurchaseOrderPlan(linked)).toBeNull();
    expect(checkPurchaseOrderPlan(request({ lines: [{ ...request().lines[0]!, amount: "-1" }] }))?.code).toBe(
      "amount_out_of_range",
    );
    expect(checkPurchaseOrderPlan(request())).toBeNull();
  });

  it("plans the job, the items, the vendor, then the purchase order: looked up before it is written", () => {
    expect(planPurchaseOrderSteps(request())).toEqual([
      { step: "parent", phase: "query" },
      { step: "job", phase: "query" },
      { step: "item:09-250", phase: "query" },
      { step: "vendor", phase: "query" },
      { step: "purchase_order", phase: "query_ref" },
    ]);
    const linked = request({
      project: { ...request().project, existingJobRef: "J-1" },
      vendor: { ...request().vendor, existingVendorRef: "V-1" },
      previous: {
        purchaseOrderId: "T-1",
        version: "1",
        vendorRef: "V-1",
        jobRef: "J-1",
        docNumber: "SC-001",
        lines: [],
      },
    });
    expect(planPurchaseOrderSteps(linked).map((s) => `${s.step}/${s.phase}`)).toEqual([
      "job/query_ref",
      "item:09-250/query",
      "vendor/query_ref",
      "purchase_order/query_previous",
    ]);
  });

  it("adds the vendor and one purchase order with every line on the customer:job, and records each TxnLineID", () => {
    const company = new QbdCompany({ seed: MINIMAL_COMPANY_SEED });
    const { outcome, types } = drive(company, request());
    expect(types).toEqual([
      "CustomerQuery",
      "CustomerAdd",
      "CustomerQuery",
      "CustomerAdd",
      "ItemQuery",
      "AccountQuery",
      "ItemServiceAdd",
      "VendorQuery",
      "VendorAdd",
      "PurchaseOrderQuery",
      "PurchaseOrderAdd",
    ]);
    const done = doneRef(outcome);
    const [po] = company.purchaseOrdersFor("Acme Drywall");
    expect(company.purchaseOrders).toHaveLength(1);
    const job = company.customerByFullName("Builders Jobs:Mill Creek Bridge")!;
    expect(po!.lines.map((l) => [l.Amount, l.CustomerListID, l.Desc])).toEqual([
      ["48200.00", job.ListID, "Hang & tape, levels 1–3 · Subcontract"],
      ["12500.50", job.ListID, "09-250 Gypsum Board · Material"],
    ]);
    expect(po!.RefNumber).toBe("SC-001");
    expect(commitmentIdInMemo(po!.Memo)).toBe("cmt_1");
    expect(company.vendorByName("Acme Drywall")).toMatchObject({ Phone: "555-0100", Email: "ap@acme.test" });
    expect(done).toMatchObject({ createdJob: true, createdVendor: true, createdItems: ["09-250"] });
    expect(done.erpRef).toEqual({
      purchaseOrderId: po!.TxnID,
      version: po!.EditSequence,
      vendorRef: company.vendorByName("Acme Drywall")!.ListID,
      jobRef: job.ListID,
      docNumber: "SC-001",
      lines: [
        { lineKey: "09-250|S", lineId: po!.lines[0]!.TxnLineID, amount: "48200.00" },
        { lineKey: "09-250|M", lineId: po!.lines[1]!.TxnLineID, amount: "12500.50" },
      ],
    });
  });

  it("finds the purchase order by its number and marker when the add's answer was lost: nothing added twice", () => {
    const company = new QbdCompany({ seed: MINIMAL_COMPANY_SEED });
    const { outcome, types } = drive(company, request(), { lose: ["PurchaseOrderAdd", "VendorAdd"] });
    expect(types.slice(-6)).toEqual([
      "VendorQuery",
      "VendorAdd", // answer lost
      "VendorQuery", // finds the vendor it added
      "PurchaseOrderQuery",
      "PurchaseOrderAdd", // answer lost
      "PurchaseOrderQuery", // finds it by RefNumber + marker, as written: done without writing again
    ]);
    expect(company.purchaseOrders).toHaveLength(1);
    expect(company.state.vendors).toHaveLength(1);
    expect(doneRef(outcome).erpRef.lines.map((l) => l.lineId)).toEqual(
      company.purchaseOrders[0]!.lines.map((l) => l.TxnLineID),
    );
  });

  it("re-sends a change order as a PurchaseOrderMod on the same purchase order: lines kept by TxnLineID, new one -1", () => {
    const company = new QbdCompany({ seed: MINIMAL_COMPANY_SEED });
    const first = doneRef(drive(company, request()).outcome);
    const txnId = first.erpRef.purchaseOrderId;
    // The bookkeeper adds a freight line of their own in QuickBooks.
    const before = company.purchaseOrder(txnId)!;
    company.purchaseOrders[0]!.lines.push({
      ...before.lines[1]!,
      TxnLineID: "FREIGHT-1",
      Desc: "Freight",
      Amount: "90.00",
    });
    const base = request();
    const changed = request({
      submissionId: "sub_2",
      project: { ...base.project, existingJobRef: first.erpRef.jobRef },
      vendor: { ...base.vendor, existingVendorRef: first.erpRef.vendorRef },
      lines: [
        { ...base.lines[0]!, amount: "5320000", itemRef: first.itemRefs["09-250"]! },
        { ...base.lines[1]!, itemRef: first.itemRefs["09-250"]! },
        {
          lineKey: "09-900|S",
          costCode: "09-900",
          costCodeDescription: "Painting",
          category: "S",
          categoryName: "Subcontract",
          description: "Change order 1: paint",
          amount: "310000",
          itemRef: null,
        },
      ],
      previous: first.erpRef,
    });
    const { outcome, types } = drive(company, changed);
    expect(types).toEqual([
      "CustomerQuery",
      "ItemQuery",
      "ItemQuery", // 09-900 is new
      "AccountQuery",
      "ItemServiceAdd",
      "VendorQuery",
      "PurchaseOrderQuery", // by TxnID
      "PurchaseOrderMod",
    ]);
    const mod = company.log.filter((r) => r.type === "PurchaseOrderMod")[0]!.xml;
    expect(mod).toContain(`<EditSequence>${first.erpRef.version}</EditSequence>`);
    expect(mod).toContain("<TxnLineID>FREIGHT-1</TxnLineID></PurchaseOrderLineMod>");
    expect(mod).toContain("<TxnLineID>-1</TxnLineID>");
    const after = company.purchaseOrder(txnId)!;
    expect(company.purchaseOrders).toHaveLength(1);
    expect(after.lines.map((l) => [l.TxnLineID, l.Amount])).toEqual([
      [first.erpRef.lines[0]!.lineId, "53200.00"],
      [first.erpRef.lines[1]!.lineId, "12500.50"],
      ["FREIGHT-1", "90.00"],
      [expect.any(String), "3100.00"],
    ]);
    const done = doneRef(outcome);
    expect(done.erpRef.version).toBe(after.EditSequence);
    expect(done.erpRef.lines.map((l) => l.lineKey)).toEqual(["09-250|S", "09-250|M", "09-900|S"]);
    expect(done.erpRef.lines[2]!.lineId).toBe(after.lines[3]!.TxnLineID);

    // Sent again unchanged (the answer to the mod lost, or a retry): nothing is written.
    const again = drive(company, { ...changed, previous: done.erpRef });
    expect(again.types.at(-1)).toBe("PurchaseOrderQuery");
    expect(company.purchaseOrder(txnId)!.EditSequence).toBe(after.EditSequence);
  });

  it("reads the purchase order again when QuickBooks says it changed under us (3200), then modifies it", () => {
    const company = new QbdCompany({ seed: MINIMAL_COMPANY_SEED });
    const first = doneRef(drive(company, request()).outcome);
    company.editPurchaseOrder(first.erpRef.purchaseOrderId, { memo: "Call before delivery" });
    const resend = request({
      submissionId: "sub_2",
      lines: [{ ...request().lines[0]!, amount: "100" }, request().lines[1]!],
      previous: first.erpRef,
    });
    const { outcome, types } = drive(company, resend);
    expect(types.slice(-2)).toEqual(["PurchaseOrderQuery", "PurchaseOrderMod"]);
    const po = company.purchaseOrder(first.erpRef.purchaseOrderId)!;
    expect(po.Memo).toBe("Call before delivery Costbridge commitment cmt_1");
    expect(po.lines[0]!.Amount).toBe("1.00");
    expect(doneRef(outcome).erpRef.version).toBe(po.EditSequence);
  });

  it("finds an existing vendor by name; without one and without permission to add, fails with vendor_missing", () => {
    const company = new QbdCompany({ seed: { ...MINIMAL_COMPANY_SEED, vendors: ["ACME DRYWALL"] } });
    const found = drive(company, request());
    expect(found.types).not.toContain("VendorAdd");
    expect(doneRef(found.outcome).createdVendor).toBe(false);

    const empty = new QbdCompany({ seed: MINIMAL_COMPANY_SEED });
    const refused = drive(empty, request({ createMissingVendors: false }));
    expect(refused.outcome).toMatchObject({ kind: "rejected", code: "vendor_missing" });
    expect((refused.outcome as { remedy: string }).remedy).toContain("create missing vendors");
    expect(empty.purchaseOrders).toHaveLength(0);
  });

  it("names the vendor's name taken by a customer (3100) and an inactive vendor, with remedies", () => {
    const taken = new QbdCompany({ seed: { ...MINIMAL_COMPANY_SEED, customers: ["Acme Drywall"] } });
    const r = drive(taken, request());
    expect(r.outcome).toMatchObject({ kind: "rejected", code: "name_in_use" });
    // Added, refused as in use, looked up again by name (nothing: the name is a customer's), then refused.
    expect(r.types.slice(-3)).toEqual(["VendorQuery", "VendorAdd", "VendorQuery"]);

    const co = new QbdCompany({ seed: MINIMAL_COMPANY_SEED });
    co.setActive(co.addVendor("Acme Drywall"), false);
    const inactive = drive(co, request());
    expect(inactive.outcome).toMatchObject({ kind: "rejected", code: "inactive_in_quickbooks" });
  });

  it("fails with a remedy when purchase orders are turned off in the company file", () => {
    const co = new QbdCompany({ seed: MINIMAL_COMPANY_SEED });
    co.setPurchaseOrdersEnabled(false);
    const r = drive(co, request());
    expect(r.outcome).toMatchObject({ kind: "rejected", code: "purchase_orders_disabled" });
    expect((r.outcome as { remedy: string }).remedy).toContain("Items & Inventory");
  });
});

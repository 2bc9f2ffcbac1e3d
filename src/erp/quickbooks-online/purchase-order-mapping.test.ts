import { describe, expect, it } from "vitest";
import type { PurchaseOrderExportLine } from "../connector.js";
import { serializeQboJson } from "./mapping.js";
import {
  buildPurchaseOrder,
  buildVendor,
  comparePurchaseOrder,
  noteWithMarker,
  parseCommitmentMarker,
  purchaseLineDescription,
  purchaseOrderNumber,
  vendorDisplayName,
} from "./purchase-order-mapping.js";

const line = (over: Partial<PurchaseOrderExportLine> = {}): PurchaseOrderExportLine => ({
  lineKey: "09-250|S",
  costCode: "09-250",
  costCodeDescription: "Gypsum board",
  category: "S",
  categoryName: "Subcontract",
  description: "",
  amount: 4_250_099n,
  ...over,
});

const req = {
  commitment: { id: "cmt-1", number: "SC-001", title: "Drywall", kind: "subcontract" as const },
  lines: [
    line(),
    line({
      lineKey: "05-500|M",
      costCode: "05-500",
      category: "M",
      categoryName: "Material",
      description: "Rails",
      amount: 100n,
    }),
  ],
  useClasses: false,
};

describe("purchase-order request bodies", () => {
  it("a new purchase order: vendor, A/P account, number, Open, memo, marker, item lines on the job at Qty 1", () => {
    const body = buildPurchaseOrder({
      req,
      vendorRef: "58",
      payablesAccountRef: "6",
      jobRef: "12",
      itemRefs: new Map([
        ["09-250", "7"],
        ["05-500", "8"],
      ]),
      classRefs: null,
      lineIds: new Map(),
      current: null,
    });
    expect(JSON.parse(serializeQboJson(body))).toEqual({
      VendorRef: { value: "58" },
      APAccountRef: { value: "6" },
      DocNumber: "SC-001",
      POStatus: "Open",
      Memo: "Drywall",
      PrivateNote: "Costbridge commitment cmt-1",
      Line: [
        {
          DetailType: "ItemBasedExpenseLineDetail",
          Amount: 42500.99,
          Description: "09-250 Gypsum board · Subcontract",
          ItemBasedExpenseLineDetail: {
            ItemRef: { value: "7" },
            CustomerRef: { value: "12" },
            BillableStatus: "NotBillable",
            Qty: 1,
            UnitPrice: 42500.99,
          },
        },
        {
          DetailType: "ItemBasedExpenseLineDetail",
          Amount: 1,
          Description: "Rails",
          ItemBasedExpenseLineDetail: {
            ItemRef: { value: "8" },
            CustomerRef: { value: "12" },
            BillableStatus: "NotBillable",
            Qty: 1,
            UnitPrice: 1,
          },
        },
      ],
    });
    // Amounts reach the wire as the exact decimal digits.
    expect(serializeQboJson(body)).toContain('"Amount":42500.99');
  });

  it("an update: lines written before carry their Id, new ones none; number, status and memo stay QuickBooks'", () => {
    const body = buildPurchaseOrder({
      req: { ...req, useClasses: true },
      vendorRef: "58",
      payablesAccountRef: "6",
      jobRef: "12",
      itemRefs: new Map([
        ["09-250", "7"],
        ["05-500", "8"],
      ]),
      classRefs: new Map([
        ["S", "500"],
        ["M", "501"],
      ]),
      lineIds: new Map([["09-250|S", "1"]]),
      foreignLines: [{ Id: "4", DetailType: "ItemBasedExpenseLineDetail", Amount: 3 }],
      current: { PrivateNote: "Deliver on Mondays\nCostbridge commitment cmt-1" },
      globalTaxCalculation: "NotApplicable",
      currency: "CAD",
    });
    expect(body.DocNumber).toBeUndefined();
    expect(body.POStatus).toBeUndefined();
    expect(body.Memo).toBeUndefined();
    expect(body.PrivateNote).toBe("Deliver on Mondays\nCostbridge commitment cmt-1");
    expect(body.Line.map((l) => (l as { Id?: string }).Id)).toEqual(["1", undefined, "4"]);
    expect((body.Line[0] as { Description: string }).Description).toBe("09-250 Gypsum board");
    expect(body).toMatchObject({ GlobalTaxCalculation: "NotApplicable", CurrencyRef: { value: "CAD" } });
    expect(body.Line[1]).toMatchObject({ ItemBasedExpenseLineDetail: { ClassRef: { value: "501" } } });
  });

  it("a vendor from the directory within Intuit's lengths", () => {
    expect(
      buildVendor({
        name: "Acme: Drywall\tand Paint",
        contactName: "Dana  Marie Lee",
        email: `${"x".repeat(95)}@a.example`,
        phone: "1".repeat(40),
        address: { line1: "9 Quarry Rd", city: null, region: "CA", postalCode: "94003", country: "USA" },
      }),
    ).toEqual({
      DisplayName: "Acme - Drywall and Paint",
      CompanyName: "Acme - Drywall and Paint",
      GivenName: "Dana",
      FamilyName: "Marie Lee",
      PrimaryPhone: { FreeFormNumber: "1".repeat(30) },
      BillAddr: { Line1: "9 Quarry Rd", CountrySubDivisionCode: "CA", PostalCode: "94003", Country: "USA" },
    });
    expect(vendorDisplayName("  ::  ")).toBe("-");
    expect(purchaseOrderNumber(` ${"9".repeat(30)} `)).toHaveLength(21);
  });

  it("the marker is found among a bookkeeper's words and kept where it stands", () => {
    expect(parseCommitmentMarker("Rush order. Costbridge commitment cmt-7 — thanks")).toBe("cmt-7");
    expect(parseCommitmentMarker("nothing here")).toBeNull();
    expect(noteWithMarker("Rush order", "cmt-7")).toBe("Costbridge commitment cmt-7\nRush order");
    expect(noteWithMarker("a Costbridge commitment old b", "cmt-7")).toBe("a Costbridge commitment cmt-7 b");
    expect(purchaseLineDescription(line({ description: "  Level 2  " }), false)).toBe("Level 2");
  });

  it("compares what QuickBooks returned with our lines", () => {
    const actual = {
      Id: "101",
      SyncToken: "0",
      VendorRef: { value: "58" },
      Line: [
        {
          Id: "1",
          DetailType: "ItemBasedExpenseLineDetail",
          Amount: 42500.98,
          ItemBasedExpenseLineDetail: { ItemRef: { value: "7" }, CustomerRef: { value: "13" } },
        },
      ],
    };
    expect(
      comparePurchaseOrder(actual, {
        vendorRef: "58",
        jobRef: "12",
        lines: [{ amount: 4_250_099n, itemRef: "7" }],
      }),
    ).toEqual(["line 1 amount is 42500.98, expected 42500.99", "line 1 is on customer 13, not 12"]);
  });
});

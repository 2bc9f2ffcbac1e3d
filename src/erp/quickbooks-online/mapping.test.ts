import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EstimateExportLine } from "../connector.js";
import {
  amountToCents,
  buildEstimate,
  centsToDecimal,
  compareEstimate,
  docNumberFor,
  formatMarker,
  itemNameFor,
  jobDisplayName,
  parseMarker,
  QboDecimal,
  serializeQboJson,
  sparseUpdateOf,
} from "./mapping.js";
import type { QboEstimate } from "./types.js";

const lines: EstimateExportLine[] = [
  {
    costCode: "03-300",
    costCodeDescription: "Cast-in-place concrete",
    category: "L",
    categoryName: "Labor",
    revisedEstimate: 12_500_000n,
  },
  {
    costCode: "03-300",
    costCodeDescription: "Cast-in-place concrete",
    category: "M",
    categoryName: "Material",
    revisedEstimate: 8_000_010n,
  },
  {
    costCode: "09-900",
    costCodeDescription: "Painting",
    category: "S",
    categoryName: "Subcontract",
    revisedEstimate: 5n,
  },
];

const itemRefs = new Map([
  ["03-300", "31"],
  ["09-900", "32"],
]);

describe("budget → estimate payload", () => {
  it("writes one non-taxable Qty 1 line per budget line with the category in the description", () => {
    const body = buildEstimate({
      jobRef: "58",
      projectNumber: "2024-017",
      submissionId: "sub_abc",
      lines,
      itemRefs,
      classRefs: null,
      docNumber: docNumberFor("2024-017"),
    });
    // Only what Costbridge owns: no status, e-mail status, date, address or memo of the customer's.
    expect(JSON.parse(serializeQboJson(body))).toEqual({
      CustomerRef: { value: "58" },
      DocNumber: "CB-2024-017",
      PrivateNote: "Costbridge budget · project 2024-017 · submission sub_abc",
      Line: [
        {
          DetailType: "SalesItemLineDetail",
          Amount: 125000,
          Description: "03-300 Cast-in-place concrete · Labor",
          SalesItemLineDetail: {
            ItemRef: { value: "31" },
            Qty: 1,
            UnitPrice: 125000,
            TaxCodeRef: { value: "NON" },
          },
        },
        {
          DetailType: "SalesItemLineDetail",
          Amount: 80000.1,
          Description: "03-300 Cast-in-place concrete · Material",
          SalesItemLineDetail: {
            ItemRef: { value: "31" },
            Qty: 1,
            UnitPrice: 80000.1,
            TaxCodeRef: { value: "NON" },
          },
        },
        {
          DetailType: "SalesItemLineDetail",
          Amount: 0.05,
          Description: "09-900 Painting · Subcontract",
          SalesItemLineDetail: {
            ItemRef: { value: "32" },
            Qty: 1,
            UnitPrice: 0.05,
            TaxCodeRef: { value: "NON" },
          },
        },
      ],
    });
  });

  it("puts the category in a class when classes are used; an update is sparse and carries Id and SyncToken", () => {
    const write = buildEstimate({
      jobRef: "58",
      projectNumber: "7",
      submissionId: "s2",
      lines: lines.slice(0, 2),
      itemRefs,
      classRefs: new Map([
        ["L", "5000000000000001"],
        ["M", "5000000000000002"],
      ]),
      docNumber: null,
      currentNote: "Call the owner first.\nCostbridge budget · project 7 · submission s1 (checked)",
    });
    const body = sparseUpdateOf(write, { Id: "177", SyncToken: "3" });
    expect(body).toMatchObject({ Id: "177", SyncToken: "3", sparse: true });
    expect(Object.keys(body).sort()).toEqual([
      "CustomerRef",
      "Id",
      "Line",
      "PrivateNote",
      "SyncToken",
      "sparse",
    ]);
    // The bookkeeper's words around the marker stay; the marker names the new submission.
    expect(body.PrivateNote).toBe(
      "Call the owner first.\nCostbridge budget · project 7 · submission s2 (checked)",
    );
    expect(body.Line.map((l) => l.SalesItemLineDetail.ClassRef?.value)).toEqual([
      "5000000000000001",
      "5000000000000002",
    ]);
    expect(body.Line.map((l) => l.Description)).toEqual([
      "03-300 Cast-in-place concrete",
      "03-300 Cast-in-place concrete",
    ]);
  });

  it("writes amounts as exact JSON numbers, digit for digit", () => {
    const json = serializeQboJson({ Amount: QboDecimal.fromCents(999_999_999_999n), Note: "x" });
    expect(json).toBe('{"Amount":9999999999.99,"Note":"x"}');
    expect(serializeQboJson({ a: [QboDecimal.fromCents(-120n)] })).toBe('{"a":[-1.20]}');
  });

  it("refuses a line whose cost code has no item", () => {
    expect(() =>
      buildEstimate({
        jobRef: "1",
        projectNumber: "1",
        submissionId: "s",
        lines,
        itemRefs: new Map([["03-300", "31"]]),
        classRefs: null,
        docNumber: null,
      }),
    ).toThrow(/09-900/);
  });
});

describe("amounts", () => {
  it("round-trips any cent amount through the decimal text and back", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -999_999_999_999n, max: 999_999_999_999n }), (cents) => {
        const text = centsToDecimal(cents);
        expect(amountToCents(text)).toBe(cents);
        // What QuickBooks sends back is a JSON number parsed from that text.
        expect(amountToCents(JSON.parse(serializeQboJson(QboDecimal.fromCents(cents))))).toBe(cents);
      }),
    );
  });

  it("does not round away sub-cent amounts or accept non-numbers", () => {
    expect(amountToCents(10.005)).toBeNull();
    expect(amountToCents("abc")).toBeNull();
    expect(amountToCents(undefined)).toBeNull();
    expect(amountToCents("12.50")).toBe(1250n);
    expect(amountToCents(1e21)).toBeNull();
  });
});

describe("names and numbers within QuickBooks limits", () => {
  it("cuts the reference number to 21 characters", () => {
    expect(docNumberFor("2024-017")).toBe("CB-2024-017");
    expect(docNumberFor("ABCDEFGHIJKLMNOPQRSTUVWXYZ")).toBe("CB-ABCDEFGHIJKLMNOPQR");
    expect(docNumberFor("ABCDEFGHIJKLMNOPQRSTUVWXYZ")).toHaveLength(21);
  });

  it("keeps job names free of colons, tabs and line breaks and within 500 characters", () => {
    expect(jobDisplayName("Tower B: Phase\t2\n(East)")).toBe("Tower B - Phase 2 (East)");
    expect(jobDisplayName("  Smith   Residence  ")).toBe("Smith Residence");
    expect(jobDisplayName("x".repeat(600))).toHaveLength(500);
    expect(jobDisplayName(":::")).toBe("-");
  });

  it("names an item after its cost code and description within 100 characters", () => {
    expect(itemNameFor("03-300", "Cast-in-place concrete")).toBe("03-300 Cast-in-place concrete");
    expect(itemNameFor("03-300", "")).toBe("03-300");
    expect(itemNameFor("01:100", "General: conditions")).toBe("01 - 100 General - conditions");
    const long = itemNameFor("26-0500", "E".repeat(200));
    expect(long).toHaveLength(100);
    expect(long.startsWith("26-0500 EEE")).toBe(true);
  });
});

describe("marker", () => {
  it("is found again in a memo, even with words around it", () => {
    const marker = formatMarker({ projectNumber: "P 12 · B", submissionId: "0f9c-11" });
    expect(marker).toBe("Costbridge budget · project P 12 · B · submission 0f9c-11");
    expect(parseMarker(marker)).toEqual({ projectNumber: "P 12 · B", submissionId: "0f9c-11" });
    expect(parseMarker(`Checked by Ann.\n${marker}\nDo not email.`)).toEqual({
      projectNumber: "P 12 · B",
      submissionId: "0f9c-11",
    });
    expect(parseMarker("Budget 4812 rev 3")).toBeNull();
    expect(parseMarker(undefined)).toBeNull();
  });
});

describe("read-back comparison", () => {
  const write = buildEstimate({
    jobRef: "58",
    projectNumber: "7",
    submissionId: "s",
    lines,
    itemRefs,
    classRefs: null,
    docNumber: null,
  });
  const asSaved = (): QboEstimate => ({
    Id: "9",
    SyncToken: "0",
    CustomerRef: { value: "58", name: "Job" },
    DocNumber: "CB-7",
    TotalAmt: 205000.15,
    Line: [
      ...write.Line.map((l, i) => ({
        Id: String(i + 1),
        LineNum: i + 1,
        DetailType: "SalesItemLineDetail",
        Amount: Number(l.Amount.text),
        SalesItemLineDetail: { ItemRef: { value: l.SalesItemLineDetail.ItemRef.value }, Qty: 1 },
      })),
      { DetailType: "SubTotalLineDetail", Amount: 205000.15, SubTotalLineDetail: {} },
    ],
  });

  it("accepts exactly our lines and total, ignoring QuickBooks' subtotal line", () => {
    expect(compareEstimate(asSaved(), write)).toEqual([]);
  });

  it("names each difference", () => {
    const edited = asSaved();
    edited.Line[1]!.Amount = 80000;
    edited.TotalAmt = 205000.05;
    edited.Line[2]!.SalesItemLineDetail = { ItemRef: { value: "99" } };
    expect(compareEstimate(edited, write)).toEqual([
      "line 2 amount is 80000.00, expected 80000.10",
      "line 3 item is 99, expected 32",
      "total is 205000.05, expected 205000.15",
    ]);
    const shorter = asSaved();
    shorter.Line.splice(0, 1);
    expect(compareEstimate(shorter, write)[0]).toBe("QuickBooks has 2 lines, the budget has 3");
  });
});

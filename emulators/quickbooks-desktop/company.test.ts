import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEMO_COMPANY_SEED, MINIMAL_COMPANY_SEED, QbdCompany } from "./company.js";
import { child, childrenNamed, parseXml, textOf } from "./xml.js";

function rq(inner: string, onError = "stopOnError") {
  return `<?xml version="1.0" encoding="utf-8"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="${onError}">${inner}</QBXMLMsgsRq></QBXML>`;
}

/** Runs a request set and returns its response elements. */
function run(co: QbdCompany, inner: string, onError?: string) {
  const r = co.run(rq(inner, onError));
  if (!r.ok) throw new Error(`${r.hresult} ${r.message}`);
  return child(parseXml(r.response), "QBXMLMsgsRs")!.children;
}

function one(co: QbdCompany, inner: string) {
  const [rs] = run(co, inner);
  return rs!;
}

const addJob = (name: string, parent: string) =>
  `<CustomerAddRq requestID="1"><CustomerAdd><Name>${name}</Name><ParentRef><FullName>${parent}</FullName></ParentRef></CustomerAdd></CustomerAddRq>`;

function seeded() {
  const co = new QbdCompany({
    seed: { ...MINIMAL_COMPANY_SEED, customers: ["Acme Homes"], serviceItems: [{ name: "03-300" }] },
  });
  const job = one(co, addJob("Smith Residence", "Acme Homes"));
  return { co, jobListId: textOf(child(job, "CustomerRet"), "ListID")! };
}

const estimateAdd = (jobListId: string, amounts: string[]) =>
  `<EstimateAddRq requestID="5"><EstimateAdd><CustomerRef><ListID>${jobListId}</ListID></CustomerRef><RefNumber>CB-1001</RefNumber><Memo>m</Memo>${amounts
    .map(
      (a) =>
        `<EstimateLineAdd><ItemRef><FullName>03-300</FullName></ItemRef><Desc>d</Desc><Quantity>1</Quantity><Rate>${a}</Rate><Amount>${a}</Amount><SalesTaxCodeRef><FullName>Non</FullName></SalesTaxCodeRef></EstimateLineAdd>`,
    )
    .join("")}</EstimateAdd></EstimateAddRq>`;

describe("the QuickBooks Desktop company emulator", () => {
  it("adds jobs under customers with Parent:Job full names, and finds them by full name or ListID", () => {
    const { co, jobListId } = seeded();
    const byName = one(
      co,
      '<CustomerQueryRq requestID="2"><FullName>acme homes:smith residence</FullName></CustomerQueryRq>',
    );
    expect(byName.attrs).toMatchObject({ requestID: "2", statusCode: "0" });
    const ret = child(byName, "CustomerRet")!;
    expect(textOf(ret, "FullName")).toBe("Acme Homes:Smith Residence");
    expect(textOf(ret, "Sublevel")).toBe("1");
    expect(textOf(child(ret, "ParentRef"), "FullName")).toBe("Acme Homes");
    expect(textOf(ret, "ListID")).toBe(jobListId);
    const missing = one(co, '<CustomerQueryRq requestID="3"><FullName>Nobody</FullName></CustomerQueryRq>');
    expect(missing.attrs).toMatchObject({ statusCode: "500", statusSeverity: "Warn" });
  });

  it("refuses a name in use (3100), across customers and vendors, and a name too long (3070)", () => {
    const { co } = seeded();
    expect(one(co, addJob("Smith Residence", "Acme Homes")).attrs.statusCode).toBe("3100");
    co.addVendor("Lakeshore Steel");
    const vendorClash = one(
      co,
      "<CustomerAddRq><CustomerAdd><Name>Lakeshore Steel</Name></CustomerAdd></CustomerAddRq>",
    );
    expect(vendorClash.attrs).toMatchObject({ statusCode: "3100", statusSeverity: "Error" });
    const long = one(co, addJob("A".repeat(42), "Acme Homes"));
    expect(long.attrs.statusCode).toBe("3070");
    expect(long.attrs.statusMessage).toContain('field "Name" is too long');
    const longItem = one(
      co,
      `<ItemServiceAddRq><ItemServiceAdd><Name>${"I".repeat(32)}</Name><SalesOrPurchase><Price>0.00</Price><AccountRef><FullName>Construction Income</FullName></AccountRef></SalesOrPurchase></ItemServiceAdd></ItemServiceAddRq>`,
    );
    expect(longItem.attrs.statusCode).toBe("3070");
  });

  it("refuses invalid references (3140): a missing parent, item, account or an inactive customer", () => {
    const { co, jobListId } = seeded();
    expect(one(co, addJob("X", "No Such Parent")).attrs.statusCode).toBe("3140");
    const noAccount = one(
      co,
      "<ItemServiceAddRq><ItemServiceAdd><Name>05-100</Name><SalesOrPurchase><Price>0.00</Price><AccountRef><FullName>Nope</FullName></AccountRef></SalesOrPurchase></ItemServiceAdd></ItemServiceAddRq>",
    );
    expect(noAccount.attrs.statusCode).toBe("3140");
    const badItem = one(co, estimateAdd(jobListId, ["1.00"]).replace("03-300", "99-999"));
    expect(badItem.attrs.statusCode).toBe("3140");
    co.setActive(jobListId, false);
    expect(one(co, estimateAdd(jobListId, ["1.00"])).attrs.statusCode).toBe("3140");
    expect(co.state.estimates).toHaveLength(0);
  });

  it("turns estimates off (3250) like the Jobs & Estimates preference", () => {
    const { co, jobListId } = seeded();
    co.setEstimatesEnabled(false);
    const rs = one(co, estimateAdd(jobListId, ["10.00"]));
    expect(rs.attrs).toMatchObject({
      statusCode: "3250",
      statusMessage: expect.stringContaining("not enabled"),
    });
    expect(
      one(co, '<EstimateQueryRq requestID="1"><TxnID>1-1</TxnID></EstimateQueryRq>').attrs.statusCode,
    ).toBe("3250");
  });

  it("adds an estimate with exact amounts and TxnLineIDs, and modifies it only with the current EditSequence", () => {
    const { co, jobListId } = seeded();
    const added = child(one(co, estimateAdd(jobListId, ["125000.10", "0.05"])), "EstimateRet")!;
    expect(textOf(added, "TotalAmount")).toBe("125000.15");
    const txnId = textOf(added, "TxnID")!;
    const seq = textOf(added, "EditSequence")!;
    const [l1, l2] = childrenNamed(added, "EstimateLineRet").map((l) => textOf(l, "TxnLineID")!);

    const mod = (editSequence: string, lines: string) =>
      one(
        co,
        `<EstimateModRq requestID="6"><EstimateMod><TxnID>${txnId}</TxnID><EditSequence>${editSequence}</EditSequence>${lines}</EstimateMod></EstimateModRq>`,
      );
    const stale = mod(
      "1",
      `<EstimateLineMod><TxnLineID>${l1}</TxnLineID><Amount>1.00</Amount></EstimateLineMod>`,
    );
    expect(stale.attrs).toMatchObject({
      statusCode: "3200",
      statusMessage: 'The provided edit sequence "1" is out-of-date.',
    });

    // Keep line 1 with a new amount, drop line 2 (not named), add a line (-1).
    const ok = mod(
      seq,
      `<EstimateLineMod><TxnLineID>${l1}</TxnLineID><Rate>130000.00</Rate><Amount>130000.00</Amount></EstimateLineMod>` +
        "<EstimateLineMod><TxnLineID>-1</TxnLineID><ItemRef><FullName>03-300</FullName></ItemRef><Quantity>1</Quantity><Rate>9000.00</Rate></EstimateLineMod>",
    );
    expect(ok.attrs.statusCode).toBe("0");
    const ret = child(ok, "EstimateRet")!;
    const lines = childrenNamed(ret, "EstimateLineRet");
    expect(lines.map((l) => textOf(l, "Amount"))).toEqual(["130000.00", "9000.00"]);
    expect(textOf(lines[0], "TxnLineID")).toBe(l1);
    expect(lines.map((l) => textOf(l, "TxnLineID"))).not.toContain(l2);
    expect(Number(textOf(ret, "EditSequence"))).toBeGreaterThan(Number(seq));
    expect(mod(seq, "").attrs.statusCode).toBe("3200");
    expect(
      one(
        co,
        `<EstimateModRq><EstimateMod><TxnID>0-0</TxnID><EditSequence>1</EditSequence></EstimateMod></EstimateModRq>`,
      ).attrs.statusCode,
    ).toBe("3120");
  });

  it("finds estimates by TxnID (500 when gone) and by customer (1 when none)", () => {
    const { co, jobListId } = seeded();
    expect(
      one(co, `<EstimateQueryRq><EntityFilter><ListID>${jobListId}</ListID></EntityFilter></EstimateQueryRq>`)
        .attrs.statusCode,
    ).toBe("1");
    const txnId = textOf(child(one(co, estimateAdd(jobListId, ["5.00"])), "EstimateRet"), "TxnID")!;
    const found = one(
      co,
      `<EstimateQueryRq><EntityFilter><ListID>${jobListId}</ListID></EntityFilter><IncludeLineItems>true</IncludeLineItems></EstimateQueryRq>`,
    );
    expect(childrenNamed(child(found, "EstimateRet"), "EstimateLineRet")).toHaveLength(1);
    co.deleteEstimate(txnId);
    expect(one(co, `<EstimateQueryRq><TxnID>${txnId}</TxnID></EstimateQueryRq>`).attrs.statusCode).toBe(
      "500",
    );
  });

  it("stops a request set at the first error unless told to continue, and undoes nothing that succeeded", () => {
    const co = new QbdCompany({ seed: MINIMAL_COMPANY_SEED });
    const add = (n: string) => `<CustomerAddRq><CustomerAdd><Name>${n}</Name></CustomerAdd></CustomerAddRq>`;
    const stopped = run(co, add("A") + add("A") + add("B"));
    expect(stopped.map((r) => r.attrs.statusCode)).toEqual(["0", "3100"]);
    const continued = run(co, add("A") + add("C"), "continueOnError");
    expect(continued.map((r) => r.attrs.statusCode)).toEqual(["3100", "0"]);
    expect(co.state.customers.map((c) => c.Name)).toEqual(["A", "C"]);
  });

  it("answers a request it cannot parse with an hresult, as QuickBooks does", () => {
    const co = new QbdCompany();
    expect(co.run("<QBXML><QBXMLMsgsRq><FrobnicateRq/></QBXMLMsgsRq></QBXML>")).toMatchObject({
      ok: false,
      hresult: "0x80040400",
    });
    expect(co.run("not xml <")).toMatchObject({ ok: false, hresult: "0x80040400" });
  });

  it("parses as strictly as QuickBooks: forbidden characters, bad nesting and the schema's order are parse errors", () => {
    const co = new QbdCompany({ seed: { ...MINIMAL_COMPANY_SEED, customers: ["Acme Homes"] } });
    const refused = (inner: string) => co.run(rq(inner));
    const parseError = { ok: false, hresult: "0x80040400" };
    // A vertical tab, raw or as a character reference, is not XML 1.0.
    expect(refused("<CustomerQueryRq><FullName>Acme\u000BHomes</FullName></CustomerQueryRq>")).toMatchObject(
      parseError,
    );
    expect(refused("<CustomerQueryRq><FullName>Acme&#11;Homes</FullName></CustomerQueryRq>")).toMatchObject(
      parseError,
    );
    // A closing tag that does not match.
    expect(refused("<CustomerQueryRq><FullName>Acme Homes</ListID></CustomerQueryRq>")).toMatchObject(
      parseError,
    );
    // Name after ParentRef: against CustomerAdd's sequence.
    expect(
      refused(
        "<CustomerAddRq><CustomerAdd><ParentRef><FullName>Acme Homes</FullName></ParentRef><Name>Job</Name></CustomerAdd></CustomerAddRq>",
      ),
    ).toMatchObject(parseError);
    // Memo before RefNumber in an EstimateAdd; an element EstimateMod does not have.
    expect(
      refused(
        "<EstimateAddRq><EstimateAdd><CustomerRef><FullName>Acme Homes</FullName></CustomerRef><Memo>m</Memo><RefNumber>1</RefNumber></EstimateAdd></EstimateAddRq>",
      ),
    ).toMatchObject(parseError);
    expect(
      refused(
        "<EstimateModRq><EstimateMod><TxnID>1</TxnID><EditSequence>1</EditSequence><Colour>red</Colour></EstimateMod></EstimateModRq>",
      ),
    ).toMatchObject(parseError);
    expect(co.log).toEqual([]);
    expect(co.state.customers).toHaveLength(1);
    // Well-formed and in order, but a full name over 159 characters: statusCode 3070, naming the field.
    const rs = one(
      co,
      `<CustomerQueryRq requestID="1"><FullName>${"x".repeat(160)}</FullName></CustomerQueryRq>`,
    );
    expect(rs.attrs.statusCode).toBe("500");
    const add = one(
      co,
      `<CustomerAddRq requestID="2"><CustomerAdd><Name>Job</Name><ParentRef><FullName>${"x".repeat(160)}</FullName></ParentRef></CustomerAdd></CustomerAddRq>`,
    );
    expect(add.attrs).toMatchObject({ statusCode: "3070" });
    expect(add.attrs.statusMessage).toContain('field "FullName"');
  });

  describe("kept in a folder", () => {
    let dir: string;
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("seeds the demo company once and reopens it with everything written since", () => {
      dir = mkdtempSync(path.join(tmpdir(), "qbd-company-"));
      const first = new QbdCompany({ stateDir: dir, seed: DEMO_COMPANY_SEED });
      expect(first.customerByFullName("Zenith Projects")).toBeDefined();
      one(first, addJob("Mill Creek Bridge", "Zenith Projects"));
      const again = new QbdCompany({ stateDir: dir, seed: DEMO_COMPANY_SEED });
      expect(again.customerByFullName("Zenith Projects:Mill Creek Bridge")).toBeDefined();
      expect(again.state.customers).toHaveLength(2);
      // Ids keep counting from where they were, so nothing reuses a ListID.
      one(again, addJob("Second", "Zenith Projects"));
      expect(new Set(again.state.customers.map((c) => c.ListID)).size).toBe(3);
    });
  });
});

describe("vendors and purchase orders in the QuickBooks Desktop company emulator", () => {
  const vendorAdd = (name: string, extra = "") =>
    `<VendorAddRq requestID="v"><VendorAdd><Name>${name}</Name>${extra}</VendorAdd></VendorAddRq>`;
  const line = (amount: string, jobListId: string, item = "03-300") =>
    `<ItemRef><FullName>${item}</FullName></ItemRef><Desc>Drywall</Desc><Quantity>1</Quantity><Rate>${amount}</Rate><Amount>${amount}</Amount><CustomerRef><ListID>${jobListId}</ListID></CustomerRef>`;
  const poAdd = (vendor: string, jobListId: string, amounts: string[]) =>
    `<PurchaseOrderAddRq requestID="p"><PurchaseOrderAdd><VendorRef><FullName>${vendor}</FullName></VendorRef><RefNumber>SC-001</RefNumber><Memo>Costbridge commitment c1</Memo>${amounts
      .map((a) => `<PurchaseOrderLineAdd>${line(a, jobListId)}</PurchaseOrderLineAdd>`)
      .join("")}</PurchaseOrderAdd></PurchaseOrderAddRq>`;

  function withVendor() {
    const s = seeded();
    const v = one(
      s.co,
      vendorAdd(
        "Acme Drywall",
        "<CompanyName>Acme Drywall LLC</CompanyName><VendorAddress><Addr1>1 Main St</Addr1><City>Springfield</City></VendorAddress><Phone>555-0100</Phone><Email>ap@acme.test</Email>",
      ),
    );
    expect(v.attrs.statusCode).toBe("0");
    return { ...s, vendorListId: textOf(child(v, "VendorRet"), "ListID")! };
  }

  it("adds a vendor, finds it by name (any case) or ListID, and keeps one name space with customers", () => {
    const { co, vendorListId } = withVendor();
    const ret = child(
      one(co, '<VendorQueryRq requestID="q"><FullName>acme drywall</FullName></VendorQueryRq>'),
      "VendorRet",
    )!;
    expect(textOf(ret, "ListID")).toBe(vendorListId);
    expect(textOf(ret, "CompanyName")).toBe("Acme Drywall LLC");
    expect(textOf(child(ret, "VendorAddress"), "City")).toBe("Springfield");
    expect(one(co, `<VendorQueryRq><ListID>${vendorListId}</ListID></VendorQueryRq>`).attrs.statusCode).toBe(
      "0",
    );
    expect(one(co, "<VendorQueryRq><FullName>Nobody</FullName></VendorQueryRq>").attrs.statusCode).toBe(
      "500",
    );
    const byFilter = one(
      co,
      "<VendorQueryRq><NameFilter><MatchCriterion>StartsWith</MatchCriterion><Name>acme</Name></NameFilter></VendorQueryRq>",
    );
    expect(childrenNamed(byFilter, "VendorRet")).toHaveLength(1);
    expect(one(co, vendorAdd("ACME DRYWALL")).attrs.statusCode).toBe("3100");
    expect(one(co, vendorAdd("Acme Homes")).attrs.statusCode).toBe("3100"); // a customer's name
    expect(one(co, vendorAdd("x".repeat(42))).attrs.statusCode).toBe("3070");
    expect(one(co, vendorAdd("Short", `<Phone>${"5".repeat(22)}</Phone>`)).attrs.statusCode).toBe("3070");
  });

  it("refuses a VendorAdd or PurchaseOrderAdd with elements out of the schema's order (0x80040400)", () => {
    const { co, jobListId } = withVendor();
    const badVendor = co.run(
      rq("<VendorAddRq><VendorAdd><Phone>1</Phone><Name>Z</Name></VendorAdd></VendorAddRq>"),
    );
    expect(badVendor).toMatchObject({ ok: false, hresult: "0x80040400" });
    // ClassRef belongs between Rate and Amount, CustomerRef after Amount.
    const badLine = co.run(
      rq(
        `<PurchaseOrderAddRq><PurchaseOrderAdd><VendorRef><FullName>Acme Drywall</FullName></VendorRef><PurchaseOrderLineAdd><ItemRef><FullName>03-300</FullName></ItemRef><Amount>1.00</Amount><CustomerRef><ListID>${jobListId}</ListID></CustomerRef><ClassRef><FullName>X</FullName></ClassRef></PurchaseOrderLineAdd></PurchaseOrderAdd></PurchaseOrderAddRq>`,
      ),
    );
    expect(badLine).toMatchObject({ ok: false, hresult: "0x80040400" });
    const memoFirst = co.run(
      rq(
        "<PurchaseOrderAddRq><PurchaseOrderAdd><Memo>m</Memo><RefNumber>1</RefNumber></PurchaseOrderAdd></PurchaseOrderAddRq>",
      ),
    );
    expect(memoFirst).toMatchObject({ ok: false, hresult: "0x80040400" });
    expect(co.purchaseOrders).toHaveLength(0);
  });

  it("adds a purchase order with lines on the job, finds it by RefNumber and TxnID, and checks references and lengths", () => {
    const { co, jobListId, vendorListId } = withVendor();
    const added = child(
      one(co, poAdd("Acme Drywall", jobListId, ["1000.00", "250.50"])),
      "PurchaseOrderRet",
    )!;
    expect(textOf(added, "TotalAmount")).toBe("1250.50");
    expect(textOf(child(added, "VendorRef"), "ListID")).toBe(vendorListId);
    const lines = childrenNamed(added, "PurchaseOrderLineRet");
    expect(lines.map((l) => textOf(child(l, "CustomerRef"), "FullName"))).toEqual([
      "Acme Homes:Smith Residence",
      "Acme Homes:Smith Residence",
    ]);
    const txnId = textOf(added, "TxnID")!;
    const byRef = one(
      co,
      '<PurchaseOrderQueryRq requestID="q"><RefNumber>sc-001</RefNumber><IncludeLineItems>true</IncludeLineItems></PurchaseOrderQueryRq>',
    );
    expect(childrenNamed(byRef, "PurchaseOrderRet").map((r) => textOf(r, "TxnID"))).toEqual([txnId]);
    expect(childrenNamed(child(byRef, "PurchaseOrderRet"), "PurchaseOrderLineRet")).toHaveLength(2);
    const noLines = one(co, `<PurchaseOrderQueryRq><TxnID>${txnId}</TxnID></PurchaseOrderQueryRq>`);
    expect(childrenNamed(child(noLines, "PurchaseOrderRet"), "PurchaseOrderLineRet")).toHaveLength(0);
    expect(one(co, "<PurchaseOrderQueryRq><TxnID>1-1</TxnID></PurchaseOrderQueryRq>").attrs.statusCode).toBe(
      "500",
    );
    expect(
      one(co, "<PurchaseOrderQueryRq><RefNumber>none</RefNumber></PurchaseOrderQueryRq>").attrs.statusCode,
    ).toBe("1");

    expect(one(co, poAdd("Nobody Inc", jobListId, ["1.00"])).attrs.statusCode).toBe("3140");
    expect(one(co, poAdd("Acme Drywall", "80000999-1", ["1.00"])).attrs.statusCode).toBe("3140");
    const longRef = poAdd("Acme Drywall", jobListId, ["1.00"]).replace("SC-001", "SC-0000000001");
    expect(one(co, longRef).attrs.statusCode).toBe("3070");
    co.setActive(vendorListId, false);
    expect(one(co, poAdd("Acme Drywall", jobListId, ["1.00"])).attrs.statusCode).toBe("3140");
    co.setActive(vendorListId, true);
    co.setPurchaseOrdersEnabled(false);
    expect(one(co, poAdd("Acme Drywall", jobListId, ["1.00"])).attrs.statusCode).toBe("3250");
    expect(co.purchaseOrders).toHaveLength(1);
  });

  it("modifies a purchase order: current EditSequence only, lines kept by TxnLineID, -1 adds, omitted lines deleted", () => {
    const { co, jobListId } = withVendor();
    const added = child(
      one(co, poAdd("Acme Drywall", jobListId, ["1000.00", "250.00", "75.00"])),
      "PurchaseOrderRet",
    )!;
    const txnId = textOf(added, "TxnID")!;
    const seq = textOf(added, "EditSequence")!;
    const [l1, l2] = childrenNamed(added, "PurchaseOrderLineRet").map((l) => textOf(l, "TxnLineID")!);
    const mod = (editSequence: string, lineMods: string) =>
      `<PurchaseOrderModRq requestID="m"><PurchaseOrderMod><TxnID>${txnId}</TxnID><EditSequence>${editSequence}</EditSequence>${lineMods}</PurchaseOrderMod></PurchaseOrderModRq>`;
    const lineMods = `<PurchaseOrderLineMod><TxnLineID>${l1}</TxnLineID><Rate>1200.00</Rate><Amount>1200.00</Amount></PurchaseOrderLineMod><PurchaseOrderLineMod><TxnLineID>${l2}</TxnLineID></PurchaseOrderLineMod><PurchaseOrderLineMod><TxnLineID>-1</TxnLineID>${line("40.00", jobListId)}</PurchaseOrderLineMod>`;
    expect(one(co, mod("1", lineMods)).attrs.statusCode).toBe("3200");
    const modded = child(one(co, mod(seq, lineMods)), "PurchaseOrderRet")!;
    expect(textOf(modded, "EditSequence")).not.toBe(seq);
    const after = co.purchaseOrder(txnId)!;
    expect(after.lines.map((l) => l.Amount)).toEqual(["1200.00", "250.00", "40.00"]);
    expect(after.lines[0]!.TxnLineID).toBe(l1);
    expect(after.lines[1]!.TxnLineID).toBe(l2);
    expect(after.lines[2]!.CustomerListID).toBe(jobListId);
    // The third line of the add was not named: deleted.
    expect(after.lines).toHaveLength(3);
    const again = mod(
      after.EditSequence,
      `<PurchaseOrderLineMod><TxnLineID>nope</TxnLineID></PurchaseOrderLineMod>`,
    );
    expect(one(co, again).attrs.statusCode).toBe("3000");
    expect(one(co, mod(after.EditSequence, "").replace(txnId, "9-9")).attrs.statusCode).toBe("3120");
    expect(co.purchaseOrder(txnId)!.lines).toHaveLength(3);
  });
});

import { describe, expect, it } from "vitest";
import {
  applyResponse,
  buildStepRequest,
  checkPlan,
  doneOutcome,
  ownedFields,
  ownedFieldsChanged,
  type PlanContext,
  type PlanRequest,
  phaseAfterLostAnswer,
  planSteps,
  refNumberFor,
  type Step,
} from "./plan.js";
import { type EstimateRet, parseQbxmlResponses, type QbxmlResponse } from "./qbxml.js";
import { classifyStatus } from "./status.js";
import { escapeXml } from "./xml.js";

function request(over: Partial<PlanRequest> = {}): PlanRequest {
  return {
    submissionId: "sub_1",
    attempt: 1,
    project: {
      number: "1001",
      name: "Smith & Sons <Remodel>",
      existingJobRef: null,
      parentCustomerName: "Acme Homes",
      parentCustomerRef: null,
    },
    lines: [
      {
        costCode: "03-300",
        costCodeDescription: "Concrete",
        category: "L",
        categoryName: "Labor",
        revisedEstimate: "12500010",
        itemRef: null,
      },
      {
        costCode: "03-300",
        costCodeDescription: "Concrete",
        category: "M",
        categoryName: "Material",
        revisedEstimate: "5",
        itemRef: null,
      },
      {
        costCode: "26-100",
        costCodeDescription: "Electrical",
        category: "S",
        categoryName: "Subcontract",
        revisedEstimate: "900000",
        itemRef: "8000000A-1",
      },
    ],
    createMissingItems: true,
    estimateMode: "update_in_place",
    previous: null,
    overwriteChangedInErp: false,
    useClasses: false,
    ...over,
  };
}

const CTX: PlanContext = {
  parent: { listId: "P-1", fullName: "Acme Homes", sublevel: 0 },
  job: { listId: "J-1", fullName: "Acme Homes:Smith & Sons <Remodel>", created: true },
  items: {
    "03-300": { listId: "I-1", fullName: "03-300", created: true },
    "26-100": { listId: "8000000A-1", fullName: "26-100", created: false },
  },
};

function rs(type: string, statusCode: string, rets = "", statusMessage = "m"): QbxmlResponse {
  return parseQbxmlResponses(
    `<?xml version="1.0" ?><QBXML><QBXMLMsgsRs><${type}Rs requestID="r" statusCode="${statusCode}" statusSeverity="Info" statusMessage="${statusMessage}">${rets}</${type}Rs></QBXMLMsgsRs></QBXML>`,
  )[0]!;
}

// QuickBooks escapes the names it sends back, as any XML writer must.
const customerRet = (listId: string, fullName: string, sublevel = 0, active = true) =>
  `<CustomerRet><ListID>${listId}</ListID><EditSequence>1</EditSequence><Name>${escapeXml(fullName.split(":").pop() ?? "")}</Name><FullName>${escapeXml(fullName)}</FullName><IsActive>${active}</IsActive><Sublevel>${sublevel}</Sublevel></CustomerRet>`;

function estimateRet(opts: { memo: string; seq?: string; amounts?: string[]; items?: string[] }) {
  const amounts = opts.amounts ?? ["125000.10", "0.05", "9000.00"];
  const items = opts.items ?? ["I-1", "I-1", "8000000A-1"];
  return (
    `<EstimateRet><TxnID>T-1</TxnID><EditSequence>${opts.seq ?? "100"}</EditSequence><TxnNumber>7</TxnNumber>` +
    `<CustomerRef><ListID>J-1</ListID></CustomerRef><RefNumber>CB-1001</RefNumber><TotalAmount>x</TotalAmount><Memo>${opts.memo}</Memo>` +
    amounts
      .map(
        (a, i) =>
          `<EstimateLineRet><TxnLineID>L-${i + 1}</TxnLineID><ItemRef><ListID>${items[i]}</ListID></ItemRef><Amount>${a}</Amount></EstimateLineRet>`,
      )
      .join("") +
    "</EstimateRet>"
  );
}

const OURS = "Costbridge budget · project 1001 · submission sub_1";

describe("the plan", () => {
  it("orders parent, job, one step per cost code, then the estimate", () => {
    expect(planSteps(request())).toEqual([
      { step: "parent", phase: "query" },
      { step: "job", phase: "query" },
      { step: "item:03-300", phase: "query" },
      { step: "item:26-100", phase: "query_ref" },
      { step: "estimate", phase: "query_job" },
    ]);
    const linked = request({
      project: { ...request().project, existingJobRef: "J-9" },
      previous: { estimateId: "T-1", version: "100", jobRef: "J-9", docNumber: "CB-1001" },
    });
    expect(planSteps(linked).map((s) => `${s.step}/${s.phase}`)).toEqual([
      "job/query_ref",
      "item:03-300/query",
      "item:26-100/query_ref",
      "estimate/query_previous",
    ]);
  });

  it("enforces QuickBooks Desktop's limits before anything is queued", () => {
    expect(checkPlan(request())).toBeNull();
    const long = request({ project: { ...request().project, name: "x".repeat(42) } });
    expect(checkPlan(long)).toMatchObject({ code: "name_too_long" });
    const longCode = request({ lines: [{ ...request().lines[0]!, costCode: "C".repeat(32) }] });
    expect(checkPlan(longCode)).toMatchObject({ code: "cost_code_too_long" });
    expect(checkPlan(request({ createMissingItems: false }))).toMatchObject({ code: "cost_code_not_mapped" });
    expect(checkPlan(request({ lines: [] }))).toMatchObject({ code: "no_lines" });
    const negative = request({ lines: [{ ...request().lines[0]!, revisedEstimate: "-1" }] });
    expect(checkPlan(negative)).toMatchObject({ code: "amount_out_of_range" });
  });

  it("looks before writing again when a request's answer was lost", () => {
    const step = (s: string, phase: string): Step => ({ step: s, phase, state: {} });
    expect(phaseAfterLostAnswer(step("job", "add"))).toBe("query");
    expect(phaseAfterLostAnswer(step("item:03-300", "add"))).toBe("query");
    expect(phaseAfterLostAnswer(step("estimate", "add"))).toBe("query_job");
    expect(phaseAfterLostAnswer(step("estimate", "mod"))).toBe("query_txn");
    expect(phaseAfterLostAnswer(step("estimate", "query_previous"))).toBe("query_previous");
  });

  it("writes escaped qbXML with exact amounts, non-taxable lines and the marker memo", () => {
    const xml = buildStepRequest(request(), CTX, { step: "estimate", phase: "add", state: {} }, "r-1");
    expect(xml.startsWith('<?xml version="1.0" encoding="utf-8"?><?qbxml version="13.0"?>')).toBe(true);
    expect(xml).toContain(
      '<EstimateAddRq requestID="r-1"><EstimateAdd><CustomerRef><ListID>J-1</ListID></CustomerRef>',
    );
    expect(xml).toContain("<RefNumber>CB-1001</RefNumber>");
    expect(xml).toContain(`<Memo>${OURS}</Memo>`);
    expect(xml).toContain("<Rate>125000.10</Rate><Amount>125000.10</Amount>");
    expect(xml).toContain("<Rate>0.05</Rate>");
    expect((xml.match(/<SalesTaxCodeRef><FullName>Non<\/FullName><\/SalesTaxCodeRef>/g) ?? []).length).toBe(
      3,
    );
    const job = buildStepRequest(request(), CTX, { step: "job", phase: "query", state: {} }, "r-2");
    expect(job).toContain("<FullName>Acme Homes:Smith &amp; Sons &lt;Remodel&gt;</FullName>");
    expect(refNumberFor("2024-00017-B")).toBe("CB-2024-000");
  });

  it("adds after a query finds nothing, looks again after 3100, and calls a name held elsewhere in use", () => {
    const req = request();
    const query: Step = { step: "job", phase: "query", state: {} };
    expect(applyResponse(req, CTX, query, rs("CustomerQuery", "500"))).toMatchObject({
      kind: "next",
      phase: "add",
    });
    const add: Step = { step: "job", phase: "add", state: {} };
    const refused = applyResponse(req, CTX, add, rs("CustomerAdd", "3100"));
    expect(refused).toMatchObject({ kind: "next", phase: "query", state: { addRefused: true } });
    const again: Step = { step: "job", phase: "query", state: { addRefused: true } };
    expect(applyResponse(req, CTX, again, rs("CustomerQuery", "500"))).toMatchObject({
      kind: "rejected",
      code: "name_in_use",
    });
    const adopted = applyResponse(
      req,
      CTX,
      again,
      rs("CustomerQuery", "0", customerRet("J-7", "Acme Homes:Smith & Sons <Remodel>", 1)),
    );
    expect(adopted).toMatchObject({ kind: "done", context: { job: { listId: "J-7", created: false } } });
  });

  it("refuses a parent customer that is itself a job (no sub jobs) and inactive records", () => {
    const req = request();
    const step: Step = { step: "parent", phase: "query", state: {} };
    expect(
      applyResponse(req, {}, step, rs("CustomerQuery", "0", customerRet("P-2", "Big Co:Phase 1", 1))),
    ).toMatchObject({
      kind: "rejected",
      code: "sub_job_not_supported",
    });
    expect(
      applyResponse(req, {}, step, rs("CustomerQuery", "0", customerRet("P-2", "Acme Homes", 0, false))),
    ).toMatchObject({
      kind: "rejected",
      code: "inactive_in_quickbooks",
    });
  });

  it("only adopts service items and asks for the income account before adding one", () => {
    const req = request();
    const step: Step = { step: "item:03-300", phase: "query", state: {} };
    const other =
      "<ItemNonInventoryRet><ListID>I-9</ListID><Name>03-300</Name><FullName>03-300</FullName><IsActive>true</IsActive></ItemNonInventoryRet>";
    expect(applyResponse(req, CTX, step, rs("ItemQuery", "0", other))).toMatchObject({
      kind: "rejected",
      code: "item_not_service",
    });
    expect(
      applyResponse(req, { ...CTX, incomeAccount: undefined }, step, rs("ItemQuery", "500")),
    ).toMatchObject({
      kind: "next",
      phase: "account",
    });
    const account = applyResponse(
      req,
      CTX,
      { step: "item:03-300", phase: "account", state: {} },
      rs(
        "AccountQuery",
        "0",
        "<AccountRet><ListID>A-1</ListID><Name>Income</Name><FullName>Income</FullName><IsActive>true</IsActive></AccountRet>",
      ),
    );
    expect(account).toMatchObject({
      kind: "next",
      phase: "add",
      context: { incomeAccount: { listId: "A-1" } },
    });
  });

  it("decides on an estimate found in QuickBooks: done when it is already ours, rewritten, or refused as changed", () => {
    const previous = { estimateId: "T-1", version: "100", jobRef: "J-1", docNumber: "CB-1001" };
    const req = request({ previous });
    const step: Step = { step: "estimate", phase: "query_previous", state: {} };
    // Written by this submission with exactly these lines: its lost answer is recovered, nothing is sent.
    expect(
      applyResponse(req, CTX, step, rs("EstimateQuery", "0", estimateRet({ memo: OURS, seq: "105" }))),
    ).toMatchObject({
      kind: "done",
      context: { estimate: { txnId: "T-1", editSequence: "105" } },
    });
    // The previous export's estimate, untouched since: rewritten in place, keeping its line ids.
    const earlier = estimateRet({
      memo: "Costbridge budget · project 1001 · submission sub_0",
      seq: "100",
      amounts: ["1.00", "2.00"],
    });
    expect(applyResponse(req, CTX, step, rs("EstimateQuery", "0", earlier))).toMatchObject({
      kind: "next",
      phase: "mod",
      state: { target: { txnId: "T-1", editSequence: "100", lineIds: ["L-1", "L-2"] } },
    });
    // Edited in QuickBooks since (EditSequence moved, not by us): refused unless the approver retries.
    const edited = estimateRet({ memo: "Costbridge budget · project 1001 · submission sub_0", seq: "130" });
    expect(applyResponse(req, CTX, step, rs("EstimateQuery", "0", edited))).toMatchObject({
      kind: "rejected",
      code: "changed_in_quickbooks",
    });
    expect(
      applyResponse({ ...req, overwriteChangedInErp: true }, CTX, step, rs("EstimateQuery", "0", edited)),
    ).toMatchObject({
      kind: "next",
      phase: "mod",
    });
    // Deleted in QuickBooks: refused, or on retry looked for on the job.
    expect(applyResponse(req, CTX, step, rs("EstimateQuery", "500"))).toMatchObject({
      kind: "rejected",
      code: "changed_in_quickbooks",
    });
  });

  it("re-reads after an out-of-date EditSequence (3200), a few times at most", () => {
    const req = request();
    const mod: Step = {
      step: "estimate",
      phase: "mod",
      state: { target: { txnId: "T-1", editSequence: "1", lineIds: [] } },
    };
    expect(applyResponse(req, CTX, mod, rs("EstimateMod", "3200"))).toMatchObject({
      kind: "next",
      phase: "query_txn",
      state: { requeries: 1 },
    });
    const tired: Step = { ...mod, state: { ...mod.state, requeries: 3 } };
    expect(applyResponse(req, CTX, tired, rs("EstimateMod", "3200"))).toMatchObject({
      kind: "rejected",
      code: "changed_in_quickbooks",
    });
  });

  it("verifies what QuickBooks returns for a write, and reports the erpRef when done", () => {
    const req = request();
    const add: Step = { step: "estimate", phase: "add", state: {} };
    const wrong = applyResponse(
      req,
      CTX,
      add,
      rs("EstimateAdd", "0", estimateRet({ memo: OURS, amounts: ["125000.10", "0.06", "9000.00"] })),
    );
    expect(wrong).toMatchObject({ kind: "rejected", code: "verification_failed" });
    const ok = applyResponse(req, CTX, add, rs("EstimateAdd", "0", estimateRet({ memo: OURS, seq: "222" })));
    expect(ok.kind).toBe("done");
    if (ok.kind !== "done") return;
    expect(doneOutcome(req, ok.context)).toEqual({
      kind: "done",
      erpRef: {
        estimateId: "T-1",
        version: "222",
        jobRef: "J-1",
        docNumber: "CB-1001",
        written: {
          jobRef: "J-1",
          lines: [
            { itemRef: "I-1", description: "", amount: "125000.10" },
            { itemRef: "I-1", description: "", amount: "0.05" },
            { itemRef: "8000000A-1", description: "", amount: "9000.00" },
          ],
        },
      },
      createdJob: true,
      createdItems: ["03-300"],
      itemRefs: { "03-300": "I-1", "26-100": "8000000A-1" },
    });
  });

  it("turns QuickBooks statusCodes into remedies or retries", () => {
    const est = { kind: "estimate" as const, refNumber: "CB-1" };
    expect(classifyStatus("3250", "off", est)).toMatchObject({
      kind: "rejected",
      code: "estimates_disabled",
    });
    expect(classifyStatus("3140", "bad ref", est)).toMatchObject({
      kind: "rejected",
      code: "invalid_reference",
    });
    expect(classifyStatus("3070", "long", { kind: "job", name: "x" })).toMatchObject({
      code: "name_too_long",
      remedy: expect.stringContaining("Rename the project"),
    });
    expect(classifyStatus("3176", "locked", est)).toMatchObject({ kind: "retryable" });
    expect(classifyStatus("9999", "odd", est)).toMatchObject({
      kind: "rejected",
      message: expect.stringContaining("statusCode 9999"),
    });
  });
});

describe("what Costbridge owns on an estimate", () => {
  const written: EstimateRet = {
    txnId: "T-1",
    editSequence: "100",
    txnNumber: 1,
    customerListId: "C-JOB",
    refNumber: "CB-1001",
    memo: "Costbridge budget",
    totalAmount: "1500.00",
    lines: [
      {
        txnLineId: "L-1",
        itemListId: "I-1",
        itemFullName: "01-100",
        className: null,
        description: "Labor",
        amount: "1000.00",
      },
      {
        txnLineId: "L-2",
        itemListId: "",
        itemFullName: "",
        className: null,
        description: "a note",
        amount: "",
      },
      {
        txnLineId: "L-3",
        itemListId: "I-2",
        itemFullName: "02-200",
        className: null,
        description: "Material",
        amount: "500.00",
      },
    ],
  };
  const owned = ownedFields(written);

  it("is the job and the item lines", () => {
    expect(owned).toEqual({
      jobRef: "C-JOB",
      lines: [
        { itemRef: "I-1", description: "Labor", amount: "1000.00" },
        { itemRef: "I-2", description: "Material", amount: "500.00" },
      ],
    });
  });

  it("is unchanged by a memo, reference number, date or a note line edited in QuickBooks", () => {
    const edited = {
      ...written,
      editSequence: "200",
      memo: "Call first",
      refNumber: "EST-7",
      lines: written.lines.map((l) => (l.itemListId === "" ? { ...l, description: "call first" } : l)),
    };
    expect(ownedFieldsChanged(owned, edited)).toBe(false);
    expect(
      ownedFieldsChanged(owned, {
        ...written,
        lines: written.lines.map((l) => ({ ...l, amount: l.amount.replace(".00", ".0") })),
      }),
    ).toBe(false);
  });

  it("is changed by a line amount, item, description, a removed line or another job", () => {
    const amount = written.lines.map((l, i) => (i === 0 ? { ...l, amount: "900.00" } : l));
    const item = written.lines.map((l, i) => (i === 0 ? { ...l, itemListId: "I-9" } : l));
    const desc = written.lines.map((l, i) => (i === 2 ? { ...l, description: "Lumber" } : l));
    expect(ownedFieldsChanged(owned, { ...written, lines: amount })).toBe(true);
    expect(ownedFieldsChanged(owned, { ...written, lines: item })).toBe(true);
    expect(ownedFieldsChanged(owned, { ...written, lines: desc })).toBe(true);
    expect(ownedFieldsChanged(owned, { ...written, lines: written.lines.slice(0, 2) })).toBe(true);
    expect(ownedFieldsChanged(owned, { ...written, customerListId: "C-OTHER" })).toBe(true);
  });
});

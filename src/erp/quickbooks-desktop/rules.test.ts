/**
 * Every qbXML request Costbridge sends, built as the plan builds it, checked with a strict XML validator, against
 * the qbXML 13.0 order and length rules, and run by the emulated company file (whose schema table is kept apart).
 */
import { XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { QbdCompany } from "../../../emulators/quickbooks-desktop/index.js";
import { buildStepRequest, checkPlan, type PlanContext, type PlanRequest, QbxmlRuleError } from "./plan.js";
import { checkQbxmlRequest, QBD_LIMITS } from "./rules.js";
import { escapeXml, hasForbiddenXmlChars, stripForbiddenXmlChars } from "./xml.js";

const VT = "\u000B";

function request(over: Partial<PlanRequest> = {}): PlanRequest {
  return {
    submissionId: "sub_1",
    attempt: 1,
    project: {
      number: "1001",
      name: `Smith & Sons${VT} <Remodel>`,
      existingJobRef: "J-9",
      parentCustomerName: `Acme${VT} Homes`,
      parentCustomerRef: null,
    },
    lines: [
      {
        costCode: "03-300",
        costCodeDescription: `Concrete${VT}forming \u0001 "cast" \uFFFE\uD800`,
        category: "L",
        categoryName: `Labor${VT}`,
        revisedEstimate: "12500010",
        itemRef: null,
      },
    ],
    createMissingItems: true,
    estimateMode: "update_in_place",
    previous: { estimateId: "T-1", version: "100", jobRef: "J-1", docNumber: "CB-1001" },
    overwriteChangedInErp: false,
    useClasses: true,
    ...over,
  };
}

const CTX: PlanContext = {
  parent: { listId: "P-1", fullName: "Acme Homes", sublevel: 0 },
  job: { listId: "J-1", fullName: "Acme Homes:Smith & Sons <Remodel>", created: true },
  items: { "03-300": { listId: "I-1", fullName: "03-300", created: true } },
  incomeAccount: { listId: "A-1", fullName: "Construction Income" },
};

const TARGET = {
  txnId: "T-1",
  editSequence: "100",
  lineIds: ["L-1"],
  customerListId: "J-0",
  refNumber: "",
  memo: `Call before delivery${VT}`,
};

/** Every step and phase the plan can hand out. */
const STEPS: [string, string][] = [
  ["parent", "query"],
  ["parent", "add"],
  ["job", "query_ref"],
  ["job", "query"],
  ["job", "add"],
  ["item:03-300", "query"],
  ["item:03-300", "account"],
  ["item:03-300", "add"],
  ["estimate", "query_previous"],
  ["estimate", "query_txn"],
  ["estimate", "query_job"],
  ["estimate", "add"],
  ["estimate", "mod"],
];

function built(step: string, phase: string, req = request()): string {
  return buildStepRequest(req, CTX, { step, phase, state: { target: TARGET } }, `cb-${step}-${phase}`);
}

describe("every request Costbridge sends to QuickBooks Desktop", () => {
  it.each(STEPS)(
    "%s/%s is well-formed, in schema order, within the limits and run by QuickBooks",
    (step, phase) => {
      const xml = built(step, phase);
      expect(XMLValidator.validate(xml)).toBe(true);
      expect(hasForbiddenXmlChars(xml)).toBe(false);
      expect(checkQbxmlRequest(xml)).toEqual([]);
      // The emulated company file parses as strictly as QuickBooks (its own copy of the schema's order).
      const result = new QbdCompany().run(xml);
      expect(result.ok).toBe(true);
    },
  );

  it("covers every request type the plan writes", () => {
    const types = new Set(STEPS.map(([s, p]) => /<QBXMLMsgsRq[^>]*><(\w+)Rq/.exec(built(s, p))?.[1]));
    expect([...types].sort()).toEqual([
      "AccountQuery",
      "CustomerAdd",
      "CustomerQuery",
      "EstimateAdd",
      "EstimateMod",
      "EstimateQuery",
      "ItemQuery",
      "ItemServiceAdd",
    ]);
  });

  it("a vertical tab and the other characters XML forbids are removed where text becomes qbXML", () => {
    const item = built("item:03-300", "add");
    expect(item).toContain("<Desc>Concreteforming  &quot;cast&quot; </Desc>");
    const estimate = built("estimate", "add");
    expect(hasForbiddenXmlChars(estimate)).toBe(false);
    expect(estimate).not.toContain(VT);
    expect(estimate).toContain("<ClassRef><FullName>Labor</FullName></ClassRef>");
    expect(escapeXml("a\uD83D\uDE00b\uDC00c")).toBe("a\uD83D\uDE00bc");
    expect(stripForbiddenXmlChars("tab\tlf\ncr\r ok")).toBe("tab\tlf\ncr\r ok");
  });

  it("EstimateMod names only the lines and what Costbridge owns", () => {
    const mod = built("estimate", "mod");
    expect(mod).not.toContain("IsToBeEmailed");
    // Moved off the project's job, so the customer goes back; the memo keeps the bookkeeper's words.
    expect(mod).toContain("<CustomerRef><ListID>J-1</ListID></CustomerRef>");
    expect(mod).toContain(
      "<Memo>Call before delivery Costbridge budget · project 1001 · submission sub_1</Memo>",
    );
    expect(mod).toContain("<RefNumber>CB-1001</RefNumber>");
    const same = buildStepRequest(
      request(),
      CTX,
      {
        step: "estimate",
        phase: "mod",
        state: {
          target: {
            ...TARGET,
            customerListId: "J-1",
            refNumber: "4711", // renumbered by the bookkeeper: theirs now
            memo: "Costbridge budget · project 1001 · submission sub_1",
          },
        },
      },
      "r",
    );
    expect(same).not.toContain("CustomerRef");
    expect(same).not.toContain("RefNumber");
    expect(same).not.toContain("<Memo>");
    expect(same).toContain("<EstimateLineMod><TxnLineID>L-1</TxnLineID>");
  });
});

describe("the qbXML rules", () => {
  const doc = (body: string) =>
    `<?xml version="1.0" encoding="utf-8"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="stopOnError">${body}</QBXMLMsgsRq></QBXML>`;

  it("refuse an element out of the schema's order", () => {
    const [v] = checkQbxmlRequest(
      doc(
        "<CustomerAddRq><CustomerAdd><ParentRef><ListID>1</ListID></ParentRef><Name>A</Name></CustomerAdd></CustomerAddRq>",
      ),
    );
    expect(v).toMatchObject({ kind: "order", path: "QBXML/QBXMLMsgsRq/CustomerAddRq/CustomerAdd/Name" });
  });

  it("refuse a value over its length, naming the element and the limit", () => {
    const [v] = checkQbxmlRequest(
      doc(
        `<ItemServiceAddRq><ItemServiceAdd><Name>${"x".repeat(32)}</Name></ItemServiceAdd></ItemServiceAddRq>`,
      ),
    );
    expect(v).toMatchObject({ kind: "too_long", element: "Name", max: QBD_LIMITS.itemName, length: 32 });
  });

  it("refuse a character XML forbids, raw or as a character reference, and XML that is not well-formed", () => {
    expect(
      checkQbxmlRequest(doc(`<CustomerQueryRq><FullName>a${VT}</FullName></CustomerQueryRq>`))[0]?.kind,
    ).toBe("not_well_formed");
    expect(
      checkQbxmlRequest(doc("<CustomerQueryRq><FullName>a&#11;</FullName></CustomerQueryRq>"))[0]?.kind,
    ).toBe("not_well_formed");
    expect(checkQbxmlRequest(doc("<CustomerQueryRq><FullName>a</ListID></CustomerQueryRq>"))[0]?.kind).toBe(
      "not_well_formed",
    );
  });

  it("a request that would break them is never handed out: the step fails with a remedy naming the limit", () => {
    const long = request({ project: { ...request().project, existingJobRef: null, name: "n".repeat(42) } });
    expect(checkPlan(long)).toMatchObject({ code: "name_too_long" });
    try {
      built("job", "add", long);
      throw new Error("built");
    } catch (e) {
      expect(e).toBeInstanceOf(QbxmlRuleError);
      expect((e as QbxmlRuleError).rejection.remedy).toContain(
        "QuickBooks Desktop allows 41 characters for a customer or job name",
      );
    }
  });

  it("checkPlan names QuickBooks Desktop's limits for the parent customer and descriptions before anything is queued", () => {
    const parent = request({
      project: { ...request().project, existingJobRef: null, parentCustomerName: "p".repeat(42) },
    });
    expect(checkPlan(parent)).toMatchObject({
      code: "name_too_long",
      message: expect.stringContaining("QuickBooks Desktop allows 41 for a customer name"),
    });
    const desc = request({
      lines: [{ ...request().lines[0]!, costCodeDescription: "d".repeat(4096) }],
    });
    expect(checkPlan(desc)).toMatchObject({
      code: "description_too_long",
      message: expect.stringContaining("QuickBooks Desktop allows 4095"),
    });
  });
});

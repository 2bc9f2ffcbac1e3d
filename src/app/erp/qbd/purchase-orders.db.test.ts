/**
 * Commitments to QuickBooks Desktop end to end: the real HTTP app on a fresh database, the Desktop connector as the
 * export job calls it, and the Web Connector simulator posting SOAP envelopes to /qbwc over a socket against the
 * emulated company file. No job worker runs here: the test plays the export job, calling exportPurchaseOrder until
 * the plan is finished, so what is counted is exactly the qbXML each export costs.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  MINIMAL_COMPANY_SEED,
  QbdCompany,
  WebConnector,
} from "../../../../emulators/quickbooks-desktop/index.js";
import { createTestApp, type TestApp } from "../../../../test/support/app.js";
import { type QbdCompanySetup, setUpQbdCompany } from "../../../../test/support/qbd.js";
import type {
  ErpConnector,
  ErpPurchaseOrderRef,
  PurchaseOrderExportLine,
  PurchaseOrderExportRequest,
  PurchaseOrderOutcome,
} from "../../../erp/connector.js";
import { newId } from "../../../lib/ids.js";
import { createProject } from "../../company/projects.js";
import { registeredConnectors } from "../registry.js";
import { createQbdConnector } from "./connector.js";

let t: TestApp;
let url: string;

beforeAll(async () => {
  t = await createTestApp();
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  const address = t.app.server.address();
  url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/qbwc`;
});
afterAll(async () => {
  await t?.close();
});

interface Commitment {
  projectId: string;
  project: { number: string; name: string };
  commitmentId: string;
  number: string;
  vendor: { id: string; name: string };
}

let counter = 0;

/** An approved subcontract of a project, with its vendor in the directory (plain rows, as the data model keeps them). */
async function makeCommitment(
  c: QbdCompanySetup,
  vendorName = "Acme Drywall",
  onProject?: Pick<Commitment, "projectId" | "project">,
  sameVendorAs?: Commitment,
): Promise<Commitment> {
  counter += 1;
  const project = onProject?.project ?? { number: `P-${300 + counter}`, name: `Harbor View ${counter}` };
  const p = onProject
    ? { id: onProject.projectId }
    : await createProject(t.ctx, { userId: c.admin.id }, c.companyId, project);
  const vendorId = sameVendorAs?.vendor.id ?? newId("ven");
  if (!sameVendorAs)
    await t.ctx.db
      .insertInto("vendors")
      .values({
        company_id: c.companyId,
        id: vendorId,
        name: vendorName,
        contact_name: "Dana Reyes",
        email: "ap@acme.test",
        phone: "555-0100",
        address_line1: "1 Main St",
        city: "Springfield",
        region: "IL",
        postal_code: "62701",
        country: "US",
      })
      .execute();
  const commitmentId = newId("cmt");
  const number = `SC-${String(counter).padStart(3, "0")}`;
  await t.ctx.db
    .insertInto("commitments")
    .values({
      company_id: c.companyId,
      id: commitmentId,
      project_id: p.id,
      kind: "subcontract",
      number,
      title: "Drywall",
      vendor_id: vendorId,
      status: "approved",
      created_by: c.admin.id,
    })
    .execute();
  return { projectId: p.id, project, commitmentId, number, vendor: { id: vendorId, name: vendorName } };
}

/** A submission of the commitment being exported (what an accept leaves behind). */
async function exportingSubmission(c: QbdCompanySetup, k: Commitment, lines: PurchaseOrderExportLine[]) {
  const id = newId("sub");
  const total = lines.reduce((s, l) => s + l.amount, 0n);
  await t.ctx.db
    .insertInto("submissions")
    .values({
      company_id: c.companyId,
      id,
      project_id: k.projectId,
      document_type: "commitment",
      commitment_id: k.commitmentId,
      budget_id: null,
      status: "exporting",
      submitted_by: c.admin.id,
      accepted_by: c.approver.id,
      line_count: lines.length,
      total_original_minor: total,
      total_changes_minor: 0n,
      total_revised_minor: total,
      total_delta_minor: total,
    })
    .execute();
  return id;
}

/** The export of a submission recorded as done, as the export job does, so the commitment can be sent again. */
async function markExported(c: QbdCompanySetup, submissionId: string) {
  await t.ctx.db
    .updateTable("submissions")
    .set({ status: "exported", exported_at: new Date() })
    .where("company_id", "=", c.companyId)
    .where("id", "=", submissionId)
    .execute();
}

function line(costCode: string, category: string, amount: bigint, description = ""): PurchaseOrderExportLine {
  const names: Record<string, string> = { L: "Labor", M: "Material", S: "Subcontract" };
  const codes: Record<string, string> = {
    "02-200": "Site Preparation",
    "03-100": "Concrete Forming",
    "04-200": "Unit Masonry",
  };
  return {
    lineKey: `${costCode}|${category}`,
    costCode,
    costCodeDescription: codes[costCode] ?? "",
    category,
    categoryName: names[category] ?? category,
    description,
    amount,
    itemRef: null,
  };
}

/** The request the export job builds for a commitment submission. */
function exportRequest(
  c: QbdCompanySetup,
  k: Commitment,
  submissionId: string,
  lines: PurchaseOrderExportLine[],
  previous: ErpPurchaseOrderRef | null = null,
): PurchaseOrderExportRequest {
  return {
    companyId: c.companyId,
    submissionId,
    attempt: 1,
    project: {
      number: k.project.number,
      name: k.project.name,
      existingJobRef: previous?.jobRef ?? null,
      parentCustomerName: "Builders Jobs",
    },
    commitment: { id: k.commitmentId, number: k.number, title: "Drywall", kind: "subcontract" },
    vendor: {
      name: k.vendor.name,
      existingVendorRef: previous?.vendorRef ?? null,
      contactName: "Dana Reyes",
      email: "ap@acme.test",
      phone: "555-0100",
      address: { line1: "1 Main St", city: "Springfield", region: "IL", postalCode: "62701", country: "US" },
    },
    lines,
    createMissingItems: true,
    createMissingVendors: true,
    previous,
    useClasses: false,
  };
}

function done(outcome: PurchaseOrderOutcome) {
  if (outcome.kind !== "done") throw new Error(`the export is not done: ${JSON.stringify(outcome)}`);
  return outcome;
}

describe("an accepted commitment through the Web Connector", () => {
  let c: QbdCompanySetup;
  let company: QbdCompany;
  let connector: ErpConnector;

  function webConnector() {
    return new WebConnector({ url, username: c.username, password: c.password, company });
  }

  beforeEach(async () => {
    c = await setUpQbdCompany(t);
    company = new QbdCompany({
      seed: { ...MINIMAL_COMPANY_SEED, serviceItems: [{ name: "02-200", desc: "Site prep" }] },
    });
    connector = createQbdConnector(t.ctx);
  });

  it("is what the ERP registry hands the export job for QuickBooks Desktop", async () => {
    const registered = registeredConnectors(t.ctx).quickbooks_desktop;
    expect(typeof registered?.exportPurchaseOrder).toBe("function");
  });

  it("waits for a session, then writes exactly one purchase order for the vendor, its lines on the customer:job", async () => {
    const k = await makeCommitment(c);
    const lines = [line("02-200", "S", 3_850_000n, "Grading & fill"), line("03-100", "L", 6_120_050n)];
    const sub = await exportingSubmission(c, k, lines);
    const req = exportRequest(c, k, sub, lines);

    expect(await connector.exportPurchaseOrder!(req)).toMatchObject({ kind: "waiting" });
    // Asked again before the Web Connector ran: still waiting, nothing queued twice.
    expect(await connector.exportPurchaseOrder!(req)).toMatchObject({ kind: "waiting" });
    expect(company.log).toEqual([]);

    const report = await webConnector().runSession();
    expect(report.lastProgress).toBe(100);
    expect(report.requestTypes).toEqual([
      "CustomerQuery", // parent customer: not there yet
      "CustomerAdd",
      "CustomerQuery", // the job under it
      "CustomerAdd",
      "ItemQuery", // 02-200 exists
      "ItemQuery", // 03-100 does not
      "AccountQuery",
      "ItemServiceAdd",
      "VendorQuery", // not there yet
      "VendorAdd",
      "PurchaseOrderQuery", // nothing with this number and marker: add
      "PurchaseOrderAdd",
    ]);

    const outcome = done(await connector.exportPurchaseOrder!(req));
    const pos = company.purchaseOrdersFor("Acme Drywall");
    expect(pos).toHaveLength(1);
    expect(company.purchaseOrders).toHaveLength(1);
    const job = company.customerByFullName(`Builders Jobs:${k.project.name}`)!;
    const po = pos[0]!;
    expect(po.RefNumber).toBe(k.number);
    expect(po.Memo).toContain(`Costbridge commitment ${k.commitmentId}`);
    expect(po.lines.map((l) => [l.Amount, l.CustomerListID, l.Desc])).toEqual([
      ["38500.00", job.ListID, "Grading & fill · Subcontract"],
      ["61200.50", job.ListID, "03-100 Concrete Forming · Labor"],
    ]);
    expect(po.lines.map((l) => company.state.items.find((i) => i.ListID === l.ItemListID)?.Name)).toEqual([
      "02-200",
      "03-100",
    ]);
    expect(outcome).toMatchObject({ createdJob: true, createdVendor: true, createdItems: ["03-100"] });
    expect(outcome.erpRef).toEqual({
      purchaseOrderId: po.TxnID,
      version: po.EditSequence,
      vendorRef: company.vendorByName("Acme Drywall")!.ListID,
      jobRef: job.ListID,
      docNumber: k.number,
      lines: [
        { lineKey: "02-200|S", lineId: po.lines[0]!.TxnLineID, amount: "38500.00" },
        { lineKey: "03-100|L", lineId: po.lines[1]!.TxnLineID, amount: "61200.50" },
      ],
    });
    expect(company.vendorByName("Acme Drywall")).toMatchObject({
      Phone: "555-0100",
      Email: "ap@acme.test",
      Contact: "Dana Reyes",
    });

    // Nothing more to do: the next run signs in and is told so.
    expect((await webConnector().runSession()).authStatus).toBe("none");
  });

  it("re-sends an approved change order as a PurchaseOrderMod of the same purchase order: line kept, line added", async () => {
    const k = await makeCommitment(c);
    const lines = [line("02-200", "S", 3_850_000n), line("03-100", "L", 6_120_000n)];
    const first = exportRequest(c, k, await exportingSubmission(c, k, lines), lines);
    await connector.exportPurchaseOrder!(first);
    await webConnector().runSession();
    const ref = done(await connector.exportPurchaseOrder!(first)).erpRef;
    await markExported(c, first.submissionId);

    // Change order 1: 03-100 Labor up by 1,500.00 and a new 04-200 Material line.
    const changed = [
      line("02-200", "S", 3_850_000n),
      line("03-100", "L", 6_270_000n),
      line("04-200", "M", 995_000n),
    ];
    const resend = exportRequest(c, k, await exportingSubmission(c, k, changed), changed, ref);
    expect(await connector.exportPurchaseOrder!(resend)).toMatchObject({ kind: "waiting" });
    const report = await webConnector().runSession();
    expect(report.requestTypes).toEqual([
      "CustomerQuery", // the linked job, by ListID
      "ItemQuery",
      "ItemQuery",
      "ItemQuery", // 04-200 is new
      "AccountQuery",
      "ItemServiceAdd",
      "VendorQuery", // the linked vendor, by ListID
      "PurchaseOrderQuery", // the purchase order of the last export, by TxnID
      "PurchaseOrderMod",
    ]);
    const mod = company.log.find((r) => r.type === "PurchaseOrderMod")!.xml;
    expect(mod).toContain(`<EditSequence>${ref.version}</EditSequence>`);
    expect(mod).toContain(`<TxnLineID>${ref.lines[0]!.lineId}</TxnLineID>`);
    expect(mod).toContain(`<TxnLineID>${ref.lines[1]!.lineId}</TxnLineID>`);
    expect(mod).toContain("<TxnLineID>-1</TxnLineID>");
    expect(company.countOk("PurchaseOrderAdd")).toBe(1);

    const outcome = done(await connector.exportPurchaseOrder!(resend));
    expect(company.purchaseOrders).toHaveLength(1);
    const po = company.purchaseOrder(ref.purchaseOrderId)!;
    expect(po.lines.map((l) => [l.TxnLineID, l.Amount])).toEqual([
      [ref.lines[0]!.lineId, "38500.00"],
      [ref.lines[1]!.lineId, "62700.00"],
      [expect.any(String), "9950.00"],
    ]);
    expect(outcome.erpRef).toMatchObject({
      purchaseOrderId: ref.purchaseOrderId,
      version: po.EditSequence,
      lines: [
        { lineKey: "02-200|S", lineId: ref.lines[0]!.lineId, amount: "38500.00" },
        { lineKey: "03-100|L", lineId: ref.lines[1]!.lineId, amount: "62700.00" },
        { lineKey: "04-200|M", lineId: po.lines[2]!.TxnLineID, amount: "9950.00" },
      ],
    });
    expect(outcome.createdVendor).toBe(false);
  });

  it("writes one purchase order when the session dies between the PurchaseOrderAdd and its answer", async () => {
    const k = await makeCommitment(c);
    const lines = [line("02-200", "S", 1_000_000n)];
    const req = exportRequest(c, k, await exportingSubmission(c, k, lines), lines);
    await connector.exportPurchaseOrder!(req);

    // QuickBooks runs the PurchaseOrderAdd (the 9th request); its answer never reaches Costbridge.
    const cut = await webConnector().runSession({ cutAfterRequests: 9 });
    expect(cut.requestTypes).toEqual([
      "CustomerQuery",
      "CustomerAdd",
      "CustomerQuery",
      "CustomerAdd",
      "ItemQuery",
      "VendorQuery",
      "VendorAdd",
      "PurchaseOrderQuery",
      "PurchaseOrderAdd",
    ]);
    expect(cut.cut).toBe(true);
    expect(company.purchaseOrders).toHaveLength(1);
    expect(await connector.exportPurchaseOrder!(req)).toMatchObject({ kind: "waiting" });

    const next = await webConnector().runSession();
    // The step whose answer was lost looks first, finds the purchase order by its number and marker: no second add.
    expect(next.requestTypes).toEqual(["PurchaseOrderQuery"]);
    const outcome = done(await connector.exportPurchaseOrder!(req));
    expect(company.purchaseOrders).toHaveLength(1);
    expect(company.countOk("PurchaseOrderAdd")).toBe(1);
    expect(outcome.erpRef.purchaseOrderId).toBe(company.purchaseOrders[0]!.TxnID);
  });

  it("writes one purchase order when every answer is posted twice and the PurchaseOrderAdd is asked for twice", async () => {
    const k = await makeCommitment(c);
    const lines = [line("02-200", "S", 1_000_000n), line("03-100", "L", 250_000n)];
    const req = exportRequest(c, k, await exportingSubmission(c, k, lines), lines);
    await connector.exportPurchaseOrder!(req);
    const report = await webConnector().runSession({
      duplicateResponses: true,
      retrySendRequestFor: ["PurchaseOrderAdd", "VendorAdd"],
    });
    // Each add asked for twice is handed out the second time as a look-up first (its first reply may have run).
    expect(report.requestTypes.slice(-6)).toEqual([
      "VendorQuery",
      "VendorQuery",
      "VendorAdd",
      "PurchaseOrderQuery",
      "PurchaseOrderQuery",
      "PurchaseOrderAdd",
    ]);
    expect(report.lastProgress).toBe(100);
    expect(company.purchaseOrders).toHaveLength(1);
    expect(company.state.vendors).toHaveLength(1);
    const outcome = done(await connector.exportPurchaseOrder!(req));
    expect(outcome.erpRef.lines.map((l) => l.lineId)).toEqual(
      company.purchaseOrders[0]!.lines.map((l) => l.TxnLineID),
    );
  });

  it("two commitments of a project to one vendor in one session: the second asks only for its purchase order", async () => {
    const a = await makeCommitment(c);
    const b = await makeCommitment(c, "Acme Drywall", a, a);
    const linesA = [line("02-200", "S", 1_000_000n), line("03-100", "L", 2_000_000n)];
    const linesB = [line("03-100", "M", 500_000n)];
    const reqA = exportRequest(c, a, await exportingSubmission(c, a, linesA), linesA);
    const reqB = exportRequest(c, b, await exportingSubmission(c, b, linesB), linesB);
    await connector.exportPurchaseOrder!(reqA);
    await connector.exportPurchaseOrder!(reqB);

    const report = await webConnector().runSession();
    expect(report.requestTypes).toHaveLength(12 + 2);
    // The parent customer, the job, the item and the vendor were answered earlier in the session; the purchase
    // order is always looked for before it is added.
    expect(report.requestTypes.slice(12)).toEqual(["PurchaseOrderQuery", "PurchaseOrderAdd"]);
    const outA = done(await connector.exportPurchaseOrder!(reqA));
    const outB = done(await connector.exportPurchaseOrder!(reqB));
    expect(outB.erpRef.jobRef).toBe(outA.erpRef.jobRef);
    expect(outB.erpRef.vendorRef).toBe(outA.erpRef.vendorRef);
    expect(company.state.vendors).toHaveLength(1);
    expect(
      company.purchaseOrdersFor("Acme Drywall").map((p) => [p.RefNumber, p.lines.map((l) => l.Amount)]),
    ).toEqual([
      [a.number, ["10000.00", "20000.00"]],
      [b.number, ["5000.00"]],
    ]);
  });

  it("a vendor deleted in QuickBooks during the session: the purchase order is refused, the vendor asked for again and added", async () => {
    const a = await makeCommitment(c);
    const b = await makeCommitment(c, "Acme Drywall", a, a);
    const lines = [line("02-200", "S", 1_000_000n)];
    const reqA = exportRequest(c, a, await exportingSubmission(c, a, lines), lines);
    const reqB = exportRequest(c, b, await exportingSubmission(c, b, lines), lines);
    await connector.exportPurchaseOrder!(reqA);
    await connector.exportPurchaseOrder!(reqB);
    let merged = false;
    const report = await webConnector().runSession({
      betweenRequests: ({ type }) => {
        // A bookkeeper merges the new vendor away right after the first purchase order is written.
        if (type === "PurchaseOrderAdd" && !merged) {
          merged = true;
          company.deleteListElement(company.vendorByName("Acme Drywall")!.ListID);
        }
      },
    });
    expect(report.requestTypes.slice(9)).toEqual([
      "PurchaseOrderQuery", // the second commitment: its job, item and vendor remembered
      "PurchaseOrderAdd", // refused (3140): the remembered vendor is gone
      "CustomerQuery", // what was remembered is asked again
      "CustomerQuery",
      "ItemQuery",
      "VendorQuery", // not there any more
      "VendorAdd",
      "PurchaseOrderQuery",
      "PurchaseOrderAdd",
    ]);
    expect(report.lastProgress).toBe(100);
    expect(done(await connector.exportPurchaseOrder!(reqB)).createdVendor).toBe(true);
    expect(company.purchaseOrders.map((p) => p.RefNumber)).toEqual([a.number, b.number]);
    expect(company.purchaseOrdersFor("Acme Drywall").map((p) => p.RefNumber)).toEqual([b.number]);
  });

  it("fails with vendor_missing and a remedy when the vendor is not in QuickBooks and may not be added", async () => {
    const k = await makeCommitment(c);
    const lines = [line("02-200", "S", 1_000_000n)];
    const req = {
      ...exportRequest(c, k, await exportingSubmission(c, k, lines), lines),
      createMissingVendors: false,
    };
    await connector.exportPurchaseOrder!(req);
    const report = await webConnector().runSession();
    expect(report.requestTypes.at(-1)).toBe("VendorQuery");
    const outcome = await connector.exportPurchaseOrder!(req);
    expect(outcome).toMatchObject({ kind: "rejected", code: "vendor_missing" });
    expect(company.purchaseOrders).toHaveLength(0);
  });
});

/**
 * QuickBooks Desktop end to end: the real HTTP app and job worker on a fresh database, the emulated company file,
 * and the Web Connector simulator posting SOAP envelopes to /qbwc over a socket, as the Windows program does.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  MINIMAL_COMPANY_SEED,
  QbdCompany,
  startWebConnectorSimulator,
  WebConnector,
} from "../../../../emulators/quickbooks-desktop/index.js";
import type { TestApp } from "../../../../test/support/app.js";
import {
  approveChange,
  makeLockedBudget,
  type QbdCompanySetup,
  type QbdServer,
  sendAndAccept,
  setUpQbdCompany,
  startQbdServer,
  submissionState,
  until,
} from "../../../../test/support/qbd.js";
import { type App, buildHttpApp } from "../../../http/app.js";
import { allRoutes } from "../../../http/routes/index.js";
import { createQbdConnector } from "./connector.js";

let t: TestApp;
let url: string;
let server: QbdServer | undefined;
let projectCounter = 0;

beforeAll(async () => {
  server = await startQbdServer();
  ({ t, url } = server);
});
afterAll(async () => {
  await server?.stop();
});

function connectorFor(c: QbdCompanySetup, company: QbdCompany, at = url, fetchImpl?: typeof fetch) {
  return new WebConnector({
    url: at,
    username: c.username,
    password: c.password,
    company,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
}

const LINES: [string, string, string][] = [
  ["02-200", "L", "38500.00"],
  ["03-100", "L", "61200.00"],
  ["03-100", "M", "12000.00"],
  ["04-200", "M", "27950.00"],
];

async function exportingProject(c: QbdCompanySetup, name = "Mill Creek Bridge", lines = LINES) {
  projectCounter += 1;
  const number = `Z-${200 + projectCounter}`;
  const budget = await makeLockedBudget(t, c, { number, name }, lines);
  const submissionId = await sendAndAccept(t, c, budget.projectId);
  // The export job ran, queued the plan and now waits for the Web Connector.
  await until(async () => {
    const s = await submissionState(t, c.companyId, submissionId);
    return s.waiting_for === "web_connector" ? s : null;
  }, "the export to wait for the Web Connector");
  return { ...budget, number, submissionId };
}

async function exported(c: QbdCompanySetup, submissionId: string) {
  return until(async () => {
    const s = await submissionState(t, c.companyId, submissionId);
    return s.status !== "exporting" ? s : null;
  }, "the export to finish");
}

describe("an accepted budget through the Web Connector", () => {
  let c: QbdCompanySetup;
  let company: QbdCompany;

  beforeEach(async () => {
    c = await setUpQbdCompany(t);
    company = new QbdCompany({
      seed: { ...MINIMAL_COMPANY_SEED, serviceItems: [{ name: "02-200", desc: "Site prep" }] },
    });
  });

  it("waits as exporting until a session, then leaves as qbXML in order and is exported after one EstimateAdd", async () => {
    const p = await exportingProject(c);
    const panel = await t.app.inject({
      method: "GET",
      url: `/api/v1/companies/${c.companyId}/erp/connection`,
      headers: c.admin.auth,
    });
    expect(panel.json()).toMatchObject({
      type: "quickbooks_desktop",
      details: { username: c.username, lastPollAt: null },
    });
    expect(panel.json().details.queuedRequests).toBeGreaterThan(0);
    expect((await submissionState(t, c.companyId, p.submissionId)).status).toBe("exporting");
    expect(company.log).toEqual([]);

    const report = await connectorFor(c, company).runSession();

    expect(report.authStatus).toBe("");
    expect(report.lastProgress).toBe(100);
    expect(report.requestTypes).toEqual([
      "CustomerQuery", // parent customer: not there yet
      "CustomerAdd",
      "CustomerQuery", // the job under it
      "CustomerAdd",
      "ItemQuery", // 02-200 exists already
      "ItemQuery", // 03-100 does not
      "AccountQuery", // the income account for new items
      "ItemServiceAdd",
      "ItemQuery",
      "ItemServiceAdd",
      "EstimateQuery", // nothing of ours on the job: add
      "EstimateAdd",
    ]);
    // 0 OK; 500 and 1 are QuickBooks' "nothing found" for a named and a filtered query.
    expect(company.log.map((r) => r.statusCode)).toEqual([
      "500",
      "0",
      "500",
      "0",
      "0",
      "500",
      "0",
      "0",
      "500",
      "0",
      "1",
      "0",
    ]);
    expect(company.countOk("EstimateAdd")).toBe(1);

    const s = await exported(c, p.submissionId);
    const [estimate] = company.estimatesFor("Builders Jobs:Mill Creek Bridge");
    expect(s).toMatchObject({
      status: "exported",
      waiting_for: null,
      erp_estimate_id: estimate!.TxnID,
      erp_version: estimate!.EditSequence,
      erp_job_ref: company.customerByFullName("Builders Jobs:Mill Creek Bridge")!.ListID,
      erp_doc_number: `CB-${p.number}`,
    });
    expect(estimate!.lines.map((l) => l.Amount)).toEqual(["38500.00", "61200.00", "12000.00", "27950.00"]);
    expect(estimate!.Memo).toContain(p.submissionId);
    expect(estimate!.IsToBeEmailed).toBe(false);
    const mapped = await t.ctx.db
      .selectFrom("cost_codes")
      .select(["code", "erp_item_ref"])
      .where("company_id", "=", c.companyId)
      .orderBy("code")
      .execute();
    expect(mapped).toEqual(
      ["02-200", "03-100", "04-200"].map((code) => ({
        code,
        erp_item_ref: company.itemByFullName(code)!.ListID,
      })),
    );

    // Nothing more to do: the next run signs in and is told so.
    const idle = await connectorFor(c, company).runSession();
    expect(idle.authStatus).toBe("none");
    expect(idle.requests).toBe(0);
    const after = await t.app.inject({
      method: "GET",
      url: `/api/v1/companies/${c.companyId}/erp/connection`,
      headers: c.admin.auth,
    });
    expect(after.json().details).toMatchObject({ queuedRequests: 0, lastError: null });
    expect(after.json().details.lastPollAt).not.toBeNull();
  });

  it("re-sends as an EstimateMod carrying the current EditSequence, on the same estimate", async () => {
    const p = await exportingProject(c);
    await connectorFor(c, company).runSession();
    const first = await exported(c, p.submissionId);
    const before = structuredClone(company.estimate(first.erp_estimate_id!)!);

    await approveChange(t, c, p.projectId, p.lineIds[1]!, "1500.00");
    const resent = await sendAndAccept(t, c, p.projectId);
    await until(
      async () => (await submissionState(t, c.companyId, resent)).waiting_for === "web_connector",
      "waiting",
    );
    const report = await connectorFor(c, company).runSession();

    expect(report.requestTypes).toEqual([
      "CustomerQuery",
      "ItemQuery",
      "ItemQuery",
      "ItemQuery",
      "EstimateQuery",
      "EstimateMod",
    ]);
    const mod = company.log.filter((r) => r.type === "EstimateMod");
    expect(mod).toHaveLength(1);
    expect(mod[0]!.xml).toContain(`<EditSequence>${before.EditSequence}</EditSequence>`);
    expect(mod[0]!.xml).toContain(`<TxnID>${before.TxnID}</TxnID>`);
    for (const line of before.lines)
      expect(mod[0]!.xml).toContain(`<TxnLineID>${line.TxnLineID}</TxnLineID>`);

    const s = await exported(c, resent);
    const estimates = company.estimatesFor("Builders Jobs:Mill Creek Bridge");
    expect(estimates).toHaveLength(1);
    expect(estimates[0]!.lines.map((l) => l.Amount)).toEqual([
      "38500.00",
      "62700.00",
      "12000.00",
      "27950.00",
    ]);
    expect(estimates[0]!.lines.map((l) => l.TxnLineID)).toEqual(before.lines.map((l) => l.TxnLineID));
    expect(s).toMatchObject({
      status: "exported",
      erp_estimate_id: before.TxnID,
      erp_version: estimates[0]!.EditSequence,
    });
    expect(estimates[0]!.EditSequence).not.toBe(before.EditSequence);
    expect(estimates[0]!.Memo).toContain(resent);
  });

  it("adds nothing twice when the Web Connector retries its calls", async () => {
    const p = await exportingProject(c);
    const report = await connectorFor(c, company).runSession({
      retrySendRequestFor: ["CustomerAdd", "ItemServiceAdd", "EstimateAdd"],
      duplicateResponses: true,
    });
    expect(report.lastProgress).toBe(100);
    // A write handed out twice without an answer in between may have run: the service looks before writing.
    expect(report.requestTypes).toEqual([
      "CustomerQuery",
      "CustomerQuery", // the parent's CustomerAdd, asked for again, comes back as a look-up
      "CustomerAdd",
      "CustomerQuery",
      "CustomerAdd",
      "ItemQuery",
      "ItemQuery",
      "AccountQuery",
      "ItemQuery", // likewise the first ItemServiceAdd
      "ItemServiceAdd",
      "ItemQuery",
      "ItemServiceAdd",
      "EstimateQuery",
      "EstimateQuery", // and the EstimateAdd
      "EstimateAdd",
    ]);
    await exported(c, p.submissionId);
    expect(company.countOk("EstimateAdd")).toBe(1);
    expect(company.countOk("CustomerAdd")).toBe(2);
    expect(company.countOk("ItemServiceAdd")).toBe(2);
    expect(company.estimatesFor("Builders Jobs:Mill Creek Bridge")).toHaveLength(1);
    expect(company.state.customers.map((x) => x.FullName).sort()).toEqual([
      "Builders Jobs",
      "Builders Jobs:Mill Creek Bridge",
    ]);
  });

  it("adds nothing twice when a session is cut off after QuickBooks ran a write", async () => {
    const p = await exportingProject(c);
    // Cut after the job was added (its answer lost), then after the estimate was added (its answer lost).
    const cut1 = await connectorFor(c, company).runSession({ cutAfterRequests: 4 });
    expect(cut1.cut).toBe(true);
    expect(cut1.requestTypes.at(-1)).toBe("CustomerAdd");
    const cut2 = await connectorFor(c, company).runSession({ cutAfterRequests: 9 });
    expect(cut2.requestTypes[0]).toBe("CustomerQuery"); // looks for the job before adding it again
    expect(cut2.requestTypes.at(-1)).toBe("EstimateAdd");
    expect((await submissionState(t, c.companyId, p.submissionId)).status).toBe("exporting");

    const done = await connectorFor(c, company).runSession();
    expect(done.requestTypes).toEqual(["EstimateQuery"]); // finds the estimate it wrote; nothing else to send
    const s = await exported(c, p.submissionId);
    const estimates = company.estimatesFor("Builders Jobs:Mill Creek Bridge");
    expect(estimates).toHaveLength(1);
    expect(company.countOk("EstimateAdd")).toBe(1);
    expect(company.countOk("CustomerAdd")).toBe(2);
    expect(s.erp_estimate_id).toBe(estimates[0]!.TxnID);
  });

  it("adds nothing twice when the product is killed between handing out a request and its answer", async () => {
    const p = await exportingProject(c);
    // A second web process on the same database; the first one dies while QuickBooks runs the EstimateAdd.
    const doomed: App = await buildHttpApp(t.ctx, { routes: allRoutes, webDist: null });
    await doomed.listen({ port: 0, host: "127.0.0.1" });
    const a = doomed.server.address();
    const doomedUrl = `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}/qbwc`;
    const killing: typeof fetch = async (input, init) => {
      const body = String(init?.body ?? "");
      if (body.includes("receiveResponseXML") && body.includes("EstimateAddRs")) await doomed.close();
      return fetch(input, init);
    };
    const killed = await connectorFor(c, company, doomedUrl, killing).runSession();
    expect(killed.cut).toBe(true);
    expect(killed.requestTypes.at(-1)).toBe("EstimateAdd");
    expect(company.countOk("EstimateAdd")).toBe(1);

    const resumed = await connectorFor(c, company).runSession();
    expect(resumed.requestTypes).toEqual(["EstimateQuery"]);
    await exported(c, p.submissionId);
    expect(company.countOk("EstimateAdd")).toBe(1);
    expect(company.estimatesFor("Builders Jobs:Mill Creek Bridge")).toHaveLength(1);
  });

  it("is picked up by a Web Connector running on a schedule", async () => {
    const p = await exportingProject(c);
    const messages: string[] = [];
    const scheduled = startWebConnectorSimulator({
      url,
      username: c.username,
      password: c.password,
      intervalMs: 50,
      company,
      log: (m) => messages.push(m),
    });
    try {
      const s = await exported(c, p.submissionId);
      expect(s.status).toBe("exported");
    } finally {
      await scheduled.stop();
    }
    expect(company.countOk("EstimateAdd")).toBe(1);
    expect(messages.some((m) => m.includes("12 request(s)"))).toBe(true);
  });

  it("queues one plan however often the export job runs for the same attempt", async () => {
    const p = await exportingProject(c);
    const connector = createQbdConnector(t.ctx);
    const req = {
      companyId: c.companyId,
      submissionId: p.submissionId,
      attempt: 1,
      project: { number: p.number, name: "Mill Creek Bridge", parentCustomerName: "Builders Jobs" },
      lines: LINES.map(([costCode, category, amount]) => ({
        costCode,
        costCodeDescription: "",
        category,
        categoryName: category,
        revisedEstimate: BigInt(amount.replace(".", "")),
      })),
      createMissingItems: true,
      estimateMode: "update_in_place" as const,
      previous: null,
      overwriteChangedInErp: false,
      useClasses: false,
    };
    const outcomes = await Promise.all([1, 2, 3].map(() => connector.exportEstimate(req)));
    expect(outcomes.map((o) => o.kind)).toEqual(["waiting", "waiting", "waiting"]);
    const plans = await t.ctx.db
      .selectFrom("qbwc_plans")
      .select("attempt")
      .where("company_id", "=", c.companyId)
      .where("submission_id", "=", p.submissionId)
      .execute();
    expect(plans).toHaveLength(1);
    await connectorFor(c, company).runSession();
    await exported(c, p.submissionId);
    expect(company.countOk("EstimateAdd")).toBe(1);
    expect((await connector.exportEstimate(req)).kind).toBe("done");
  });
});

describe("QuickBooks refusals land in Failed to Export with a remedy", () => {
  let c: QbdCompanySetup;
  let company: QbdCompany;

  beforeEach(async () => {
    c = await setUpQbdCompany(t);
    company = new QbdCompany({ seed: MINIMAL_COMPANY_SEED });
  });

  it("estimates turned off (3250)", async () => {
    company.setEstimatesEnabled(false);
    const p = await exportingProject(c);
    const report = await connectorFor(c, company).runSession();
    expect(report.lastProgress).toBe(100);
    const s = await exported(c, p.submissionId);
    expect(s).toMatchObject({ status: "failed", last_error_code: "estimates_disabled" });
    expect(s.last_error_message).toContain("3250");
    expect(s.last_error_remedy).toContain("Jobs & Estimates");
    expect(company.estimatesFor("Builders Jobs:Mill Creek Bridge")).toHaveLength(0);
  });

  it("a name held by a vendor (3100) is looked up again, then refused as in use", async () => {
    company.addCustomer("Builders Jobs");
    company.addVendor("Builders Jobs:Harbor Pier"); // full names are shared with the vendor list
    const p = await exportingProject(c, "Harbor Pier");
    await connectorFor(c, company).runSession();
    const s = await exported(c, p.submissionId);
    expect(s).toMatchObject({ status: "failed", last_error_code: "name_in_use" });
    expect(company.log.map((r) => `${r.type}:${r.statusCode}`)).toEqual([
      "CustomerQuery:0",
      "CustomerQuery:500",
      "CustomerAdd:3100",
      "CustomerQuery:500",
    ]);
  });

  it("a job name QuickBooks Desktop finds too long (3070) names the field and the limit", async () => {
    // QuickBooks counts differently from us here (the emulator stands in for a company whose limit is lower).
    const strict = new QbdCompany({ seed: MINIMAL_COMPANY_SEED });
    const run = strict.run.bind(strict);
    strict.run = (xml) =>
      run(
        xml.includes("<CustomerAddRq")
          ? xml.replace(/<Name>([^<]*)<\/Name>/, `<Name>${"x".repeat(42)}</Name>`)
          : xml,
      );
    const p = await exportingProject(c);
    await connectorFor(c, strict).runSession();
    const s = await exported(c, p.submissionId);
    expect(s).toMatchObject({ status: "failed", last_error_code: "name_too_long" });
    expect(s.last_error_message).toContain("3070");
    expect(s.last_error_remedy).toContain("41 characters for a customer or job name");
    expect(s.last_error_remedy).not.toContain("is too long");
  });

  it("an estimate edited in QuickBooks is not overwritten silently; Retry overwrites it", async () => {
    const p = await exportingProject(c);
    await connectorFor(c, company).runSession();
    const first = await exported(c, p.submissionId);
    company.editEstimate(first.erp_estimate_id!, { amounts: { 0: "40000.00" } });

    await approveChange(t, c, p.projectId, p.lineIds[0]!, "500.00");
    const resent = await sendAndAccept(t, c, p.projectId);
    await until(
      async () => (await submissionState(t, c.companyId, resent)).waiting_for === "web_connector",
      "waiting",
    );
    await connectorFor(c, company).runSession();
    const failed = await exported(c, resent);
    expect(failed).toMatchObject({ status: "failed", last_error_code: "changed_in_quickbooks" });
    expect(company.countOk("EstimateMod")).toBe(0);

    const retry = await t.app.inject({
      method: "POST",
      url: `/api/v1/companies/${c.companyId}/erp/budget-submissions/${resent}/retry`,
      headers: c.approver.auth,
    });
    expect(retry.statusCode).toBe(202);
    await until(
      async () => (await submissionState(t, c.companyId, resent)).waiting_for === "web_connector",
      "waiting",
    );
    await connectorFor(c, company).runSession();
    const s = await exported(c, resent);
    expect(s.status).toBe("exported");
    expect(company.countOk("EstimateMod")).toBe(1);
    expect(company.estimate(first.erp_estimate_id!)!.lines[0]!.Amount).toBe("39000.00");
  });
});

describe("a control character or an over-long name never reaches QuickBooks Desktop, nor blocks the queue", () => {
  let company: QbdCompany;

  beforeEach(() => {
    company = new QbdCompany({
      seed: { ...MINIMAL_COMPANY_SEED, serviceItems: [{ name: "02-200", desc: "Site prep" }] },
    });
  });

  it("a vertical tab pasted into a cost code's description is removed before QuickBooks sees it", async () => {
    const c = await setUpQbdCompany(t, {
      costCodes: [
        ["02-200", "Site Preparation"],
        ["03-100", "Concrete\u000BForming\u0001"],
      ],
    });
    const p = await exportingProject(c, "Cedar Lane", [
      ["02-200", "L", "1000.00"],
      ["03-100", "M", "2500.00"],
    ]);
    const report = await connectorFor(c, company).runSession();
    expect(report.refused).toEqual([]);
    const s = await exported(c, p.submissionId);
    expect(s.status).toBe("exported");
    expect(company.itemByFullName("03-100")!.Desc).toBe("ConcreteForming");
    for (const r of company.log) {
      expect(r.xml).not.toContain("\u0001");
      expect(r.xml).not.toContain("\u000B");
    }
    const [estimate] = company.estimatesFor("Builders Jobs:Cedar Lane");
    expect(estimate!.lines.map((l) => l.Desc)).toEqual([
      "02-200 Site Preparation · Labor",
      "03-100 ConcreteForming · Material",
    ]);
  });

  it("a request QuickBooks cannot parse fails its own submission; the next one exports in the same session", async () => {
    const c = await setUpQbdCompany(t);
    // The first export has to add an item; that request reaches QuickBooks malformed.
    const poisoned = await exportingProject(c, "Quarry Road", [["03-100", "L", "5000.00"]]);
    const healthy = await exportingProject(c, "Willow Court", [["02-200", "L", "7000.00"]]);

    const report = await connectorFor(c, company).runSession({ malformRequestsOf: ["ItemServiceAdd"] });

    expect(report.refused).toEqual([
      {
        type: "ItemServiceAdd",
        hresult: "0x80040400",
        message: "QuickBooks found an error when parsing the provided XML text stream.",
      },
    ]);
    expect(report.lastProgress).toBe(100);
    expect(report.cut).toBe(false);
    const failed = await exported(c, poisoned.submissionId);
    expect(failed).toMatchObject({ status: "failed", last_error_code: "quickbooks_could_not_read_request" });
    expect(failed.last_error_message).toContain("0x80040400");
    expect(failed.last_error_remedy).toContain("Retry the export");
    expect(failed.last_error_remedy).not.toContain("parsing the provided XML");
    const ok = await exported(c, healthy.submissionId);
    expect(ok.status).toBe("exported");
    expect(company.estimatesFor("Builders Jobs:Willow Court")).toHaveLength(1);
    expect(company.estimatesFor("Builders Jobs:Quarry Road")).toHaveLength(0);

    // Nothing is handed out again: the next session has nothing to do.
    const idle = await connectorFor(c, company).runSession();
    expect(idle.authStatus).toBe("none");
  });

  it("a request QuickBooks cannot run three sessions in a row fails alone, not after the 24-hour retry window", async () => {
    const c = await setUpQbdCompany(t);
    const p = await exportingProject(c, "Birch Hollow", [["02-200", "L", "1000.00"]]);
    const flaky = new QbdCompany({
      seed: { ...MINIMAL_COMPANY_SEED, serviceItems: [{ name: "02-200", desc: "Site prep" }] },
    });
    const run = flaky.run.bind(flaky);
    flaky.run = (xml) =>
      xml.includes("<CustomerQueryRq")
        ? { ok: false, hresult: "0x80040410", message: "QuickBooks is busy with a dialog box." }
        : run(xml);
    const reports = [];
    for (let i = 0; i < 3; i++) reports.push(await connectorFor(c, flaky).runSession());
    expect(reports.map((r) => r.lastProgress)).toEqual([-1, -1, 100]);
    const s = await exported(c, p.submissionId);
    expect(s).toMatchObject({ status: "failed", last_error_code: "quickbooks_could_not_run_request" });
    expect(s.last_error_remedy).toContain("QuickBooks is open");
  });

  it("an over-long parent customer is refused in settings, at Send, and before anything is queued", async () => {
    const c = await setUpQbdCompany(t);
    const long = "Northern Regional Infrastructure Programme 2026"; // 47 characters
    const settings = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/companies/${c.companyId}/settings`,
      headers: c.admin.auth,
      payload: { defaultParentCustomer: long },
    });
    expect(settings.statusCode).toBe(400);
    expect(settings.json().error).toMatchObject({
      code: "invalid_input",
      field: "defaultParentCustomer",
      message: expect.stringContaining("QuickBooks Desktop allows 41 characters"),
    });
    const vt = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/companies/${c.companyId}/settings`,
      headers: c.admin.auth,
      payload: { defaultParentCustomer: "Builders\u000BJobs" },
    });
    expect(vt.statusCode).toBe(400);
    expect(vt.json().error).toMatchObject({ code: "invalid_input", field: "defaultParentCustomer" });

    // A default set before the limit was checked: Send names the limit.
    await t.ctx.db
      .updateTable("companies")
      .set({ default_parent_customer: long })
      .where("id", "=", c.companyId)
      .execute();
    const budget = await makeLockedBudget(t, c, { number: "Z-990", name: "Ridge Line" }, [
      ["02-200", "L", "1.00"],
    ]);
    const actions = await t.app.inject({
      method: "POST",
      url: `/api/v1/companies/${c.companyId}/projects/${budget.projectId}/budget/send-to-erp`,
      headers: c.admin.auth,
    });
    expect(actions.statusCode).toBe(409);
    expect(actions.body).toContain("QuickBooks Desktop allows 41 characters for a customer name");
  });

  it("an over-long parent customer accepted before the check fails before queueing; the company's next export goes on", async () => {
    const c = await setUpQbdCompany(t);
    const budget = await makeLockedBudget(t, c, { number: "Z-991", name: "Ridge Line" }, [
      ["02-200", "L", "1.00"],
    ]);
    const sent = await sendToErpAs(c, budget.projectId);
    await t.ctx.db
      .updateTable("companies")
      .set({ default_parent_customer: "Northern Regional Infrastructure Programme 2026" })
      .where("id", "=", c.companyId)
      .execute();
    await accept(c, sent);
    const failed = await until(async () => {
      const s = await submissionState(t, c.companyId, sent);
      return s.status === "failed" ? s : null;
    }, "the export to fail");
    expect(failed).toMatchObject({ last_error_code: "name_too_long" });
    expect(failed.last_error_message).toContain("QuickBooks Desktop allows 41 for a customer name");
    expect(failed.last_error_remedy).toContain("at most 41 characters");

    await t.ctx.db
      .updateTable("companies")
      .set({ default_parent_customer: "Builders Jobs" })
      .where("id", "=", c.companyId)
      .execute();
    const next = await exportingProject(c, "Aspen Gate", [["02-200", "L", "3.00"]]);
    const report = await connectorFor(c, company).runSession();
    expect(report.refused).toEqual([]);
    expect((await exported(c, next.submissionId)).status).toBe("exported");
    for (const r of company.log) expect(r.xml).not.toContain("Northern Regional");
  });
});

describe("a re-send touches only what Costbridge owns on the QuickBooks Desktop estimate", () => {
  it("keeps the bookkeeper's memo words, reference number, e-mail flag, date and address without asking; rewrites the lines", async () => {
    const c = await setUpQbdCompany(t);
    const company = new QbdCompany({
      seed: { ...MINIMAL_COMPANY_SEED, serviceItems: [{ name: "02-200", desc: "Site prep" }] },
    });
    const p = await exportingProject(c, "Maple Yard", [["02-200", "L", "1000.00"]]);
    await connectorFor(c, company).runSession();
    const first = await exported(c, p.submissionId);
    const before = company.estimate(first.erp_estimate_id!)!;
    company.editEstimate(before.TxnID, {
      memo: `Call before delivery. ${before.Memo}`,
      refNumber: "EST-77",
      isToBeEmailed: true,
      txnDate: "2026-01-15",
      billAddr1: "12 Quarry Road",
    });
    await approveChange(t, c, p.projectId, p.lineIds[0]!, "250.00");
    const resent = await sendAndAccept(t, c, p.projectId);
    await until(
      async () => (await submissionState(t, c.companyId, resent)).waiting_for === "web_connector",
      "waiting",
    );
    await connectorFor(c, company).runSession();
    // None of these edits touches what Costbridge owns (job, lines): no overwrite to confirm.
    const s = await exported(c, resent);
    expect(s.status).toBe("exported");
    expect(s.last_error_code).toBeNull();

    const mod = company.log.filter((r) => r.type === "EstimateMod" && r.statusCode === "0");
    expect(mod).toHaveLength(1);
    expect(mod[0]!.xml).not.toContain("<CustomerRef>");
    expect(mod[0]!.xml).not.toContain("<RefNumber>");
    expect(mod[0]!.xml).not.toContain("<IsToBeEmailed>");
    const after = company.estimate(before.TxnID)!;
    expect(company.estimatesFor("Builders Jobs:Maple Yard")).toHaveLength(1);
    expect(after.lines.map((l) => l.Amount)).toEqual(["1250.00"]);
    expect(after.RefNumber).toBe("EST-77");
    expect(after.IsToBeEmailed).toBe(true);
    expect(after.TxnDate).toBe("2026-01-15");
    expect(after.BillAddr1).toBe("12 Quarry Road");
    expect(after.Memo).toBe(
      `Call before delivery. Costbridge budget · project ${p.number} · submission ${resent}`,
    );
  });
});

async function sendToErpAs(c: QbdCompanySetup, projectId: string): Promise<string> {
  const res = await t.app.inject({
    method: "POST",
    url: `/api/v1/companies/${c.companyId}/projects/${projectId}/budget/send-to-erp`,
    headers: c.admin.auth,
  });
  if (res.statusCode >= 300) throw new Error(`send answered ${res.statusCode}: ${res.body}`);
  return (res.json() as { id: string }).id;
}

async function accept(c: QbdCompanySetup, submissionId: string) {
  const res = await t.app.inject({
    method: "POST",
    url: `/api/v1/companies/${c.companyId}/erp/budget-submissions/${submissionId}/accept`,
    headers: c.approver.auth,
  });
  if (res.statusCode !== 202) throw new Error(`accept answered ${res.statusCode}: ${res.body}`);
}

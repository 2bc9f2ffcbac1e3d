/**
 * qbXML requests per export through the Web Connector, and what one session remembers between submissions: the
 * real HTTP app and job worker, the emulated company file, and the Web Connector simulator.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  MINIMAL_COMPANY_SEED,
  QbdCompany,
  type SessionFaults,
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

const LINES: [string, string, string][] = [
  ["02-200", "L", "38500.00"],
  ["03-100", "L", "61200.00"],
  ["03-100", "M", "12000.00"],
  ["04-200", "M", "27950.00"],
];

function session(c: QbdCompanySetup, company: QbdCompany, faults: SessionFaults = {}) {
  return new WebConnector({ url, username: c.username, password: c.password, company }).runSession(faults);
}

async function waitingProject(c: QbdCompanySetup, name: string, lines = LINES) {
  projectCounter += 1;
  const number = `S-${300 + projectCounter}`;
  const budget = await makeLockedBudget(t, c, { number, name }, lines);
  const submissionId = await sendAndAccept(t, c, budget.projectId);
  await waiting(c, submissionId);
  return { ...budget, number, submissionId };
}

async function waiting(c: QbdCompanySetup, submissionId: string) {
  await until(
    async () => (await submissionState(t, c.companyId, submissionId)).waiting_for === "web_connector",
    "the export to wait for the Web Connector",
  );
}

async function exported(c: QbdCompanySetup, submissionId: string) {
  return until(async () => {
    const s = await submissionState(t, c.companyId, submissionId);
    return s.status !== "exporting" ? s : null;
  }, "the export to finish");
}

/** The request types QuickBooks ran, per export attempt (the requestID names its plan), in order of first request. */
function perExport(company: QbdCompany): string[][] {
  const plans = new Map<string, string[]>();
  for (const r of company.log) {
    const plan = /^cb[0-9a-f]+/.exec(r.requestID ?? "")?.[0] ?? "";
    plans.set(plan, [...(plans.get(plan) ?? []), r.type]);
  }
  return [...plans.values()];
}

/** Re-sends the project's budget with one line changed, and waits until its plan is queued. */
async function resend(c: QbdCompanySetup, p: { projectId: string; lineIds: string[] }, amount: string) {
  await approveChange(t, c, p.projectId, p.lineIds[1]!, amount);
  const submissionId = await sendAndAccept(t, c, p.projectId);
  await waiting(c, submissionId);
  return submissionId;
}

/** Two projects waiting, then one session; `between` runs once, after the first project's estimate was written. */
async function twoInOneSession(
  c: QbdCompanySetup,
  company: QbdCompany,
  names: [string, string],
  between: (first: { submissionId: string; projectId: string; lineIds: string[] }) => Promise<void>,
) {
  const first = await waitingProject(c, names[0]);
  const second = await waitingProject(c, names[1]);
  let ran = false;
  const report = await session(c, company, {
    betweenRequests: async (r) => {
      if (ran || r.type !== "EstimateAdd") return;
      ran = true;
      await between(first);
    },
  });
  return { first, second, report };
}

const FIRST_EXPORT = [
  "CustomerQuery", // parent customer: not there yet
  "CustomerAdd",
  "CustomerQuery", // the job under it
  "CustomerAdd",
  "ItemQuery", // 02-200 exists already
  "ItemQuery", // 03-100 does not
  "AccountQuery",
  "ItemServiceAdd",
  "ItemQuery", // 04-200 does not
  "ItemServiceAdd",
  "EstimateQuery", // nothing of ours on the job
  "EstimateAdd",
];
const RESEND = ["CustomerQuery", "ItemQuery", "ItemQuery", "ItemQuery", "EstimateQuery", "EstimateMod"];
const SECOND_PROJECT_NEW_SESSION = [
  "CustomerQuery", // parent
  "CustomerQuery", // its job: not there yet
  "CustomerAdd",
  "ItemQuery",
  "ItemQuery",
  "ItemQuery",
  "EstimateQuery",
  "EstimateAdd",
];

/** A new Costbridge company on QuickBooks Desktop, and its company file with one of the budget's items in it. */
async function freshCompany() {
  const c = await setUpQbdCompany(t);
  const company = new QbdCompany({
    seed: { ...MINIMAL_COMPANY_SEED, serviceItems: [{ name: "02-200", desc: "Site prep" }] },
  });
  return { c, company };
}

describe("qbXML requests per export through one Web Connector session", () => {
  let c: QbdCompanySetup;
  let company: QbdCompany;

  beforeEach(async () => {
    ({ c, company } = await freshCompany());
  });

  it("a first export takes 12 requests and a re-send in the next session 6: a new session asks again", async () => {
    const a = await waitingProject(c, "Alder Flats");
    await session(c, company);
    expect((await exported(c, a.submissionId)).status).toBe("exported");
    const resent = await resend(c, a, "1500.00");
    await session(c, company);
    expect((await exported(c, resent)).status).toBe("exported");

    expect(perExport(company)).toEqual([FIRST_EXPORT, RESEND]);
    expect(company.estimatesFor("Builders Jobs:Alder Flats")).toHaveLength(1);
    // Nothing a closed session learned is kept.
    const left = await t.ctx.db
      .selectFrom("qbwc_session_lookups")
      .select("id")
      .where("company_id", "=", c.companyId)
      .execute();
    expect(left).toEqual([]);
  });

  it("two projects in one session: the second asks only for its own job and estimate (16 requests before, 12 now)", async () => {
    // Everything but the second project's job exists: the first export left the parent customer and the items.
    const warm = await waitingProject(c, "Warm Up");
    await session(c, company);
    await exported(c, warm.submissionId);
    company.log.length = 0;

    const b = await waitingProject(c, "Birch Point");
    const d = await waitingProject(c, "Cedar Ridge");
    const report = await session(c, company);
    expect(report.requests).toBe(12);
    expect(perExport(company)).toEqual([
      SECOND_PROJECT_NEW_SESSION, // the session's first export asks for everything
      ["CustomerQuery", "CustomerAdd", "EstimateQuery", "EstimateAdd"], // parent and items: already answered
    ]);
    for (const [p, name] of [
      [b, "Birch Point"],
      [d, "Cedar Ridge"],
    ] as const) {
      const s = await exported(c, p.submissionId);
      const [estimate] = company.estimatesFor(`Builders Jobs:${name}`);
      expect(s).toMatchObject({ status: "exported", erp_estimate_id: estimate!.TxnID });
      expect(estimate!.lines.map((l) => l.ItemListID)).toEqual(
        ["02-200", "03-100", "03-100", "04-200"].map((code) => company.itemByFullName(code)!.ListID),
      );
    }
    expect(company.countOk("EstimateAdd")).toBe(2); // one per project since the warm-up
  });

  it("a first export and a second project after it in the same session: 12 + 4 requests", async () => {
    const a = await waitingProject(c, "Alder Flats");
    const b = await waitingProject(c, "Birch Point");
    await session(c, company);
    expect(perExport(company)).toEqual([
      FIRST_EXPORT,
      ["CustomerQuery", "CustomerAdd", "EstimateQuery", "EstimateAdd"],
    ]);
    expect((await exported(c, a.submissionId)).status).toBe("exported");
    const s = await exported(c, b.submissionId);
    expect(s.status).toBe("exported");
    // The second project's items were added by the first export in the same session: not counted as its own.
    expect(company.countOk("ItemServiceAdd")).toBe(2);
  });

  it("two budgets of the same project in one session: the second is one EstimateMod (6 requests before)", async () => {
    let again = "";
    const { first, second } = await twoInOneSession(c, company, ["Elm Court", "Fir Hollow"], async (e) => {
      await exported(c, e.submissionId);
      again = await resend(c, e, "700.00");
    });
    const s = await exported(c, again);
    expect(perExport(company)).toEqual([
      FIRST_EXPORT,
      ["CustomerQuery", "CustomerAdd", "EstimateQuery", "EstimateAdd"],
      ["EstimateMod"], // job, items and the estimate's EditSequence and lines: from this session's own writes
    ]);
    const estimates = company.estimatesFor("Builders Jobs:Elm Court");
    expect(estimates).toHaveLength(1);
    expect(estimates[0]!.lines.map((l) => l.Amount)).toEqual([
      "38500.00",
      "61900.00",
      "12000.00",
      "27950.00",
    ]);
    expect(estimates[0]!.Memo).toContain(again);
    expect(s).toMatchObject({
      status: "exported",
      erp_estimate_id: estimates[0]!.TxnID,
      erp_version: estimates[0]!.EditSequence,
    });
    expect((await exported(c, first.submissionId)).status).toBe("exported");
    expect((await exported(c, second.submissionId)).status).toBe("exported");
  });
});

describe("an answer the session remembered is wrong", () => {
  let c: QbdCompanySetup;
  let company: QbdCompany;

  beforeEach(async () => {
    ({ c, company } = await freshCompany());
  });

  it("an item merged away in QuickBooks during the session: QuickBooks refuses it, the export asks again and goes through", async () => {
    const { second } = await twoInOneSession(c, company, ["Grove Lane", "Hazel Bend"], async () => {
      company.deleteListElement(company.itemByFullName("03-100")!.ListID);
    });
    const s = await exported(c, second.submissionId);
    expect(s.status).toBe("exported");
    expect(perExport(company)[1]!.map((type, i) => `${type}:${company.log[12 + i]!.statusCode}`)).toEqual([
      "CustomerQuery:500", // its job: not there yet
      "CustomerAdd:0",
      "EstimateQuery:1",
      "EstimateAdd:3140", // the remembered 03-100 is gone
      "CustomerQuery:0", // the parent customer, asked again
      "ItemQuery:0", // and each remembered item
      "ItemQuery:500",
      "AccountQuery:0",
      "ItemServiceAdd:0",
      "ItemQuery:0",
      "EstimateQuery:1", // still nothing of ours on the job: no duplicate
      "EstimateAdd:0",
    ]);
    const estimates = company.estimatesFor("Builders Jobs:Hazel Bend");
    expect(estimates).toHaveLength(1);
    expect(estimates[0]!.lines[1]!.ItemListID).toBe(company.itemByFullName("03-100")!.ListID);
  });

  it("an item made inactive during the session: asked again, then refused with QuickBooks' own answer", async () => {
    const { second } = await twoInOneSession(c, company, ["Ivy Gate", "Juniper Row"], async () => {
      company.setActive(company.itemByFullName("04-200")!.ListID, false);
    });
    const s = await exported(c, second.submissionId);
    expect(s).toMatchObject({ status: "failed", last_error_code: "inactive_in_quickbooks" });
    expect(s.last_error_message).toContain("04-200");
    expect(company.estimatesFor("Builders Jobs:Juniper Row")).toHaveLength(0);
  });

  it("an estimate edited in QuickBooks between two budgets of a session is not overwritten silently", async () => {
    let again = "";
    let txnId = "";
    await twoInOneSession(c, company, ["Kestrel Way", "Linden Park"], async (k) => {
      const first = await exported(c, k.submissionId);
      txnId = first.erp_estimate_id!;
      again = await resend(c, k, "900.00");
      company.editEstimate(txnId, { amounts: { 0: "40000.00" } });
    });
    const s = await exported(c, again);
    expect(s).toMatchObject({ status: "failed", last_error_code: "changed_in_quickbooks" });
    expect(perExport(company)[2]).toEqual(["EstimateMod", "EstimateQuery"]); // refused: stale EditSequence
    expect(company.countOk("EstimateMod")).toBe(0);
    expect(company.estimate(txnId)!.lines[0]!.Amount).toBe("40000.00");
  });

  it("an estimate deleted in QuickBooks between two budgets of a session: asked again, and no new estimate unasked", async () => {
    let again = "";
    await twoInOneSession(c, company, ["Maple Run", "Nettle Hill"], async (m) => {
      const first = await exported(c, m.submissionId);
      again = await resend(c, m, "900.00");
      company.deleteEstimate(first.erp_estimate_id!);
    });
    const s = await exported(c, again);
    expect(s).toMatchObject({ status: "failed", last_error_code: "changed_in_quickbooks" });
    expect(perExport(company)[2]).toEqual([
      "EstimateMod", // 3120: the remembered estimate is gone
      "CustomerQuery", // everything remembered is asked again
      "ItemQuery",
      "ItemQuery",
      "ItemQuery",
      "EstimateQuery",
    ]);
    expect(company.estimatesFor("Builders Jobs:Maple Run")).toHaveLength(0);
  });
});

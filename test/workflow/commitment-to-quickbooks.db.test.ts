/**
 * A subcontract from the project manager's screen to the vendor's purchase order in QuickBooks, through nothing but
 * the HTTP API, the real job worker and the two QuickBooks emulators (docs/product.md §commitments,
 * §commitment-submissions): the PM builds, approves and sends it, an approver accepts it, and QuickBooks Online and
 * QuickBooks Desktop each hold exactly one purchase order for the vendor with every line on the project's job and
 * the commitment's amounts; an approved change order, re-sent and accepted, modifies that same purchase order.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MINIMAL_COMPANY_SEED, QbdCompany, WebConnector } from "../../emulators/quickbooks-desktop/index.js";
import { createProject } from "../../src/app/company/projects.js";
import {
  type QbdCompanySetup,
  type QbdServer,
  setUpQbdCompany,
  startQbdServer,
  until,
} from "../support/qbd.js";
import { http, type Obj } from "./fixture.js";
import { type Company, connectedCompany, type ExportWorld, startQboExport } from "./qbo-export.js";
import { makeProject } from "./world.js";

type Api = ReturnType<typeof http>;
type Person = { auth: Record<string, string> };

/** The commitment screens' calls, as a PM and an approver make them. */
function commitmentFlow(
  api: Api,
  companyId: string,
  people: { pm: Person; approver: Person; admin: Person },
) {
  const { pm, approver, admin } = people;
  const company = `/api/v1/companies/${companyId}`;
  const ok = (r: { status: number; body: Obj }, status: number) => {
    expect(r.status, JSON.stringify(r.body)).toBe(status);
    return r.body;
  };
  return {
    /** A vendor in the company's directory, as an admin adds it. */
    async vendor(name: string): Promise<string> {
      return ok(await api.post(`${company}/vendors`, admin as never, { name, email: "ap@summit.test" }), 201)
        .id;
    },
    /** A subcontract with its lines ([cost code, category, description, amount]), taken to approved. */
    async approvedSubcontract(
      projectId: string,
      vendorId: string,
      lines: [string, string, string, string][],
    ) {
      const base = `${company}/projects/${projectId}/commitments`;
      const c = ok(
        await api.post(base, pm as never, {
          kind: "subcontract",
          number: "SC-7",
          title: "Drywall and ceilings",
          vendorId,
        }),
        201,
      );
      for (const [costCode, category, description, amount] of lines) {
        ok(
          await api.post(`${base}/${c.id}/lines`, pm as never, { costCode, category, description, amount }),
          201,
        );
      }
      ok(await api.post(`${base}/${c.id}/status`, pm as never, { status: "out_for_signature" }), 200);
      ok(await api.post(`${base}/${c.id}/status`, pm as never, { status: "approved" }), 200);
      return `${base}/${c.id}`;
    },
    async approvedChangeOrder(commitmentUrl: string, lines: [string, string, string, string][]) {
      const co = ok(
        await api.post(`${commitmentUrl}/change-orders`, pm as never, {
          title: "Corridor soffits",
          lines: lines.map(([costCode, category, description, amount]) => ({
            costCode,
            category,
            description,
            amount,
          })),
        }),
        201,
      );
      ok(await api.post(`${commitmentUrl}/change-orders/${co.id}/approve`, pm as never, {}), 200);
    },
    /** Send to ERP as the PM, Accept as the approver; the submission's id. */
    async sendAndAccept(commitmentUrl: string): Promise<string> {
      const sent = ok(await api.post(`${commitmentUrl}/send-to-erp`, pm as never, {}), 201);
      ok(
        await api.post(`${company}/erp/commitment-submissions/${sent.id}/accept`, approver as never, {}),
        202,
      );
      return sent.id;
    },
    async submission(id: string) {
      return ok(await api.get(`${company}/erp/commitment-submissions/${id}`, approver as never), 200);
    },
    /** The Commitments tab's list of one status, with its counts. */
    async listed(status: string) {
      return ok(
        await api.get(`${company}/erp/commitment-submissions?status=${status}`, approver as never),
        200,
      );
    },
    async commitment(commitmentUrl: string) {
      return ok(await api.get(commitmentUrl, pm as never), 200);
    },
  };
}

const LINES: [string, string, string, string][] = [
  ["09-250", "L", "Framing and level 4 finish", "54200.00"],
  ["09-250", "M", "Board, studs and track", "32300.00"],
];
const CHANGE: [string, string, string, string][] = [
  ["09-250", "L", "Soffit framing", "4850.00"],
  ["09-250", "S", "Acoustical ceiling panels", "1275.00"],
];

describe("a subcontract to QuickBooks Online", () => {
  let w: ExportWorld;
  let api: Api;
  let co: Company;

  beforeAll(async () => {
    ({ w, api } = await startQboExport());
    co = await connectedCompany(w);
  });
  afterAll(async () => {
    await w?.close();
  });

  async function waitExported(flow: ReturnType<typeof commitmentFlow>, id: string) {
    return until(async () => {
      const s = await flow.submission(id);
      return s.status === "exported" || s.status === "failed" ? s : null;
    }, `commitment submission ${id} to be exported`);
  }

  async function purchaseOrdersOf(vendorName: string) {
    const realm = await w.realm();
    const vendor = (realm.Vendor as Obj[]).find((v) => v.DisplayName === vendorName);
    const orders = ((realm.PurchaseOrder ?? []) as Obj[]).filter((p) => p.VendorRef?.value === vendor?.Id);
    return { vendor, orders, customers: realm.Customer as Obj[] };
  }

  it("lands as exactly one purchase order for the vendor, every line on the job, and a change order modifies it", async () => {
    const flow = commitmentFlow(api, co.companyId, co);
    const project = await makeProject(w.ctx, co.companyId, { name: "Riverside Clinic" });
    const vendorId = await flow.vendor("Summit Drywall");
    const url = await flow.approvedSubcontract(project.id, vendorId, LINES);

    const first = await waitExported(flow, await flow.sendAndAccept(url));
    expect(first.status, JSON.stringify(first.export?.lastError)).toBe("exported");
    const after1 = await purchaseOrdersOf("Summit Drywall");
    expect(after1.vendor).toBeDefined();
    expect(after1.orders).toHaveLength(1);
    const po = after1.orders[0]!;
    const job = after1.customers.find((c) => c.DisplayName === "Riverside Clinic")!;
    expect(po.DocNumber).toBe("SC-7");
    expect(po.POStatus).toBe("Open");
    expect(po.Line.map((l: Obj) => l.Amount).sort()).toEqual([32300, 54200]);
    for (const line of po.Line as Obj[]) {
      expect(line.DetailType).toBe("ItemBasedExpenseLineDetail");
      expect(line.ItemBasedExpenseLineDetail.CustomerRef.value).toBe(job.Id);
      expect(line.ItemBasedExpenseLineDetail.BillableStatus).toBe("NotBillable");
    }
    expect((await flow.commitment(url)).erpState).toBe("synced");

    await flow.approvedChangeOrder(url, CHANGE);
    expect((await flow.commitment(url)).erpState).toBe("changes_to_send");
    const second = await waitExported(flow, await flow.sendAndAccept(url));
    expect(second.status, JSON.stringify(second.export?.lastError)).toBe("exported");
    const after2 = await purchaseOrdersOf("Summit Drywall");
    expect(after2.orders).toHaveLength(1);
    const modified = after2.orders[0]!;
    expect(modified.Id).toBe(po.Id);
    expect(modified.Line.map((l: Obj) => l.Amount).sort((a: number, b: number) => a - b)).toEqual([
      1275, 32300, 59050,
    ]);
    // The lines written the first time keep their ids: modified in place, not replaced.
    const firstIds = (po.Line as Obj[]).map((l) => l.Id);
    expect(firstIds.every((id) => (modified.Line as Obj[]).some((l) => l.Id === id))).toBe(true);
    expect((await flow.commitment(url)).erpState).toBe("synced");
    // Synced shows the current export only: the first one was replaced by the second.
    const synced = await flow.listed("exported");
    expect(synced.items.map((i: Obj) => i.id)).toEqual([second.id]);
    expect(synced.counts.exported).toBe(1);
  });
});

describe("a subcontract to QuickBooks Desktop through the Web Connector", () => {
  let server: QbdServer;
  let c: QbdCompanySetup;
  let company: QbdCompany;

  beforeAll(async () => {
    server = await startQbdServer();
    c = await setUpQbdCompany(server.t, { costCodes: [["09-250", "Gypsum Board"]] });
    company = new QbdCompany({ seed: { ...MINIMAL_COMPANY_SEED } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function exportThroughWebConnector(flow: ReturnType<typeof commitmentFlow>, id: string) {
    await until(async () => {
      const s = await flow.submission(id);
      return s.export?.waitingFor === "web_connector" || s.status !== "exporting" ? s : null;
    }, "the export to wait for the Web Connector");
    await new WebConnector({
      url: server.url,
      username: c.username,
      password: c.password,
      company,
    }).runSession();
    return until(async () => {
      const s = await flow.submission(id);
      return s.status !== "exporting" ? s : null;
    }, "the export to finish");
  }

  it("lands as exactly one purchase order for the vendor, every line on the job, and a change order modifies it", async () => {
    const api = http(server.t);
    const flow = commitmentFlow(api, c.companyId, { pm: c.admin, approver: c.approver, admin: c.admin });
    const project = await createProject(server.t.ctx, { userId: c.admin.id }, c.companyId, {
      number: "Z-701",
      name: "Mill Creek Bridge",
    });
    const vendorId = await flow.vendor("Summit Drywall");
    const url = await flow.approvedSubcontract(project.id, vendorId, LINES);

    const first = await exportThroughWebConnector(flow, await flow.sendAndAccept(url));
    expect(first.status, JSON.stringify(first.export?.lastError)).toBe("exported");
    const vendor = company.state.vendors.find((v) => v.FullName === "Summit Drywall");
    const job = company.state.customers.find((x) => x.FullName.endsWith(":Mill Creek Bridge"));
    expect(vendor).toBeDefined();
    expect(job).toBeDefined();
    const orders = () => company.purchaseOrders.filter((p) => p.VendorListID === vendor!.ListID);
    expect(orders()).toHaveLength(1);
    const po = orders()[0]!;
    expect(po.RefNumber).toBe("SC-7");
    expect(po.lines.map((l) => l.Amount).sort()).toEqual(["32300.00", "54200.00"]);
    expect(po.lines.every((l) => l.CustomerListID === job!.ListID)).toBe(true);
    const firstLineIds = po.lines.map((l) => l.TxnLineID);

    await flow.approvedChangeOrder(url, CHANGE);
    const second = await exportThroughWebConnector(flow, await flow.sendAndAccept(url));
    expect(second.status, JSON.stringify(second.export?.lastError)).toBe("exported");
    expect(orders()).toHaveLength(1);
    const modified = orders()[0]!;
    expect(modified.TxnID).toBe(po.TxnID);
    expect(modified.lines.map((l) => l.Amount).sort()).toEqual(["1275.00", "32300.00", "59050.00"]);
    expect(firstLineIds.every((id) => modified.lines.some((l) => l.TxnLineID === id))).toBe(true);
    expect(modified.lines.every((l) => l.CustomerListID === job!.ListID)).toBe(true);
  });
});
